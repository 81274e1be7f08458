"""Course-format HDF5 data: the course's files load as the course loads them,
written files round-trip, generators are seeded and shaped like the course's,
and bad files are rejected with one line."""

from pathlib import Path

import h5py
import numpy as np
import pytest

from vecbench import VecbenchError
from vecbench.cli import main
from vecbench.training import data


def test_course_files_load_flattened_and_scaled_as_the_course_does(course_datasets):
    ds = data.load_dataset(course_datasets)
    with h5py.File(course_datasets / "train_catvnoncat.h5", "r") as f:
        x = f["train_set_x"][()]
    assert ds.X_train.shape == (64 * 64 * 3, 209) and ds.X_test.shape == (64 * 64 * 3, 50)
    assert np.array_equal(ds.X_train, x.reshape(209, -1).T / 255)
    assert ds.X_train.flags.f_contiguous, "the course's transposed layout was not kept"
    assert ds.Y_train.shape == (1, 209) and ds.Y_train.sum() == 72 and ds.Y_test.sum() == 33
    assert ds.classes == ("non-cat", "cat")


def test_synthetic_cats_have_the_course_files_keys_shapes_and_dtypes(tmp_path, course_datasets):
    data.make("cat", tmp_path, m_train=7, m_test=3, px=64)
    for split in data.SPLITS:
        with h5py.File(course_datasets / f"{split}_catvnoncat.h5", "r") as course, \
                h5py.File(tmp_path / f"{split}_catvnoncat.h5", "r") as mine:
            assert set(mine) == set(course)
            for key in course:
                assert mine[key].dtype == course[key].dtype, key
                assert mine[key].shape[1:] == course[key].shape[1:], key
            assert list(mine["list_classes"][()]) == list(course["list_classes"][()])


@pytest.mark.parametrize("kind,px", [("cat", 8), ("cat", 64), ("planar", 64)])
def test_written_files_round_trip_exactly(tmp_path, kind, px):
    train, test = data.generate(kind, m_train=12, m_test=5, seed=4, px=px)
    paths = data.write_dataset(tmp_path, "rt", train, test)
    assert [p.name for p in paths] == ["train_rt.h5", "test_rt.h5"]
    for path, split, (x, y, classes) in zip(paths, data.SPLITS, (train, test)):
        x2, y2, classes2 = data.read_split(path, split)
        assert x2.dtype == x.dtype and np.array_equal(x2, x)
        assert y2.dtype == np.int64 and np.array_equal(y2, y)
        assert classes2 == classes
    ds = data.load_dataset(tmp_path)
    assert np.array_equal(ds.X_train, data.flatten(train[0]))
    assert np.array_equal(ds.Y_test, test[1].reshape(1, -1).astype(float))


@pytest.mark.parametrize("m,px", [(1, 4), (2, 5), (300, 16)])
def test_synthetic_cats_are_seeded_and_any_size(m, px):
    x, y, classes = data.synthetic_cats(m, px, seed=3)
    assert x.shape == (m, px, px, 3) and x.dtype == np.uint8
    assert y.shape == (m,) and y.dtype == np.int64 and set(np.unique(y)) <= {0, 1}
    x2, y2, _ = data.synthetic_cats(m, px, seed=3)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    if m >= 2:
        assert 0 < y.sum() < m, "both classes must be present"
    assert not np.array_equal(data.synthetic_cats(m, px, seed=4)[0], x)


def test_synthetic_cats_are_about_one_third_cats_like_the_course():
    _, y, _ = data.synthetic_cats(209, 4, seed=0)
    assert y.sum() == 72


def test_planar_is_the_course_recipe_two_balanced_petal_sets():
    x, y, classes = data.planar()
    assert x.shape == (400, 2) and x.dtype == np.float64
    assert np.array_equal(y, np.repeat([0, 1], 200))
    # petals: the radius a*sin(4t) with a = 4, plus small noise, stays within ~4.6
    assert np.abs(x).max() < 5 and np.hypot(*x.T).max() > 3.5
    assert np.array_equal(data.planar(400, 1)[0], x)
    assert data.planar(7, 2)[0].shape == (7, 2) and data.planar(7, 2)[1].sum() == 4


def test_float_features_are_transposed_not_scaled():
    x, _, _ = data.planar(10)
    X = data.flatten(x)
    assert X.shape == (2, 10) and np.array_equal(X, x.T)


def test_writing_refuses_to_overwrite_and_leaves_no_temp_files(tmp_path):
    train, test = data.generate("cat", 4, 2, px=4)
    existing = tmp_path / "test_x.h5"
    existing.write_bytes(b"precious")
    with pytest.raises(VecbenchError, match="already exists"):
        data.write_dataset(tmp_path, "x", train, test)
    assert existing.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test_x.h5"], "the train file was written anyway"
    data.write_dataset(tmp_path, "y", train, test)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test_x.h5", "test_y.h5", "train_y.h5"]


def test_data_make_cli_writes_a_loadable_pair_once(tmp_path, capsys):
    out = tmp_path / "d"
    argv = ["data", "make", "--kind", "planar", "--out", str(out), "--m-train", "40", "--m-test", "10"]
    assert main(argv) == 0
    assert "train_planar.h5" in capsys.readouterr().out
    ds = data.load_dataset(out)
    assert ds.X_train.shape == (2, 40) and ds.Y_test.shape == (1, 10)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "already exists" in err and err.count("\n") == 1


# -- bad files ---------------------------------------------------------------

def _write(path: Path, **datasets) -> None:
    with h5py.File(path, "w") as f:
        for key, value in datasets.items():
            f.create_dataset(key, data=value)


def _pair(directory: Path, train_x=None, train_y=None, test_x=None, drop=()):
    train_x = np.zeros((4, 8, 8, 3), np.uint8) if train_x is None else train_x
    train_y = np.array([0, 1, 0, 1]) if train_y is None else train_y
    test_x = np.zeros((2, 8, 8, 3), np.uint8) if test_x is None else test_x
    classes = np.array([b"non-cat", b"cat"])
    train = {"train_set_x": train_x, "train_set_y": train_y, "list_classes": classes}
    _write(directory / "train_bad.h5", **{k: v for k, v in train.items() if k not in drop})
    _write(directory / "test_bad.h5", test_set_x=test_x, test_set_y=np.array([0, 1]), list_classes=classes)


BAD_FILES = {
    "no such directory": (lambda d: None, "no such directory"),
    "no pair": (lambda d: (d / "train_bad.h5").write_bytes(b""), "no train_<name>.h5 with a matching"),
    "not HDF5": (lambda d: [(d / f"{s}_bad.h5").write_text("hello") for s in data.SPLITS], "not a readable HDF5"),
    "missing key": (lambda d: _pair(d, drop=("train_set_y",)), "missing dataset train_set_y"),
    "no channels": (lambda d: _pair(d, train_x=np.zeros((4, 8, 8), np.uint8)), "expected (m, px, px, 3) uint8"),
    "float images": (lambda d: _pair(d, train_x=np.zeros((4, 8, 8, 3))), "expected (m, px, px, 3) uint8"),
    "labels of wrong length": (lambda d: _pair(d, train_y=np.array([0, 1])), "expected (4,) integer labels"),
    "labels not 0/1": (lambda d: _pair(d, train_y=np.array([0, 1, 2, 1])), "labels other than 0 and 1"),
    "test images of another size": (lambda d: _pair(d, test_x=np.zeros((2, 4, 4, 3), np.uint8)),
                                    "but test examples are"),
    "empty": (lambda d: _pair(d, train_x=np.zeros((0, 8, 8, 3), np.uint8), train_y=np.zeros(0, int)), "is empty"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_data_sets_are_rejected_with_one_line_and_exit_1(tmp_path, capsys, case):
    make, needle = BAD_FILES[case]
    directory = tmp_path / "d"
    if case != "no such directory":
        directory.mkdir()
    make(directory)
    assert main(["data", "info", str(directory)]) == 1
    err = capsys.readouterr().err
    assert needle in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_training_on_a_bad_data_set_fails_before_training_with_one_line(tmp_path, capsys):
    _pair(tmp_path, drop=("list_classes",))
    assert main(["train", "logreg", "--data", str(tmp_path), "--no-plot"]) == 1
    err = capsys.readouterr().err
    assert "missing dataset list_classes" in err and err.count("\n") == 1


@pytest.mark.parametrize("argv,needle", [
    (["data"], "an action is required: make, info"),
    (["data", "make", "--kind", "dogs", "--out", "x"], "invalid choice"),
    (["data", "make", "--kind", "cat"], "required: --out"),
    (["data", "make", "--kind", "cat", "--out", "x", "--m-train", "0"], "must be at least 1"),
])
def test_bad_data_usage_is_one_line_and_exit_2(capsys, argv, needle):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err, err
    assert err.count("\n") == 1
