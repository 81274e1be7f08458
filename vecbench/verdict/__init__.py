"""Did anything get slower? Verdicts on two runs of the same records.

``compare`` matches the records of two run documents and judges each pair.
"""
