"""Trains, evaluates and exports the bundled read-quality model (`models/read_quality.onnx`).

    pip install numpy==2.4.6 scikit-learn==1.9.1 onnx==1.23.2 onnxruntime==1.32.0
    python3 training/train.py            # from the repository root; about a minute on 2 cores

Simulates reads with known true errors (training/simulate.py), computes the
features exactly as the Rust code does (training/features.py), trains a small
MLP (14 -> 16 -> 1, ReLU, sigmoid) with scikit-learn, and evaluates it on
held-out reads against the expected-errors baseline. The model is written only
if it beats the baseline on ROC-AUC and average precision; the golden files
the Rust tests compare with (features and onnxruntime outputs of a committed
FASTQ) are rewritten each run. Everything is seeded by SEED.
"""

import json
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper
from sklearn.metrics import average_precision_score, precision_score, recall_score, roc_auc_score
from sklearn.neural_network import MLPClassifier

sys.path.insert(0, str(Path(__file__).parent))
import features  # noqa: E402
import simulate  # noqa: E402

SEED = 20261124
TRAIN_READS = 200_000
TEST_READS = 100_000
HIDDEN = 16
ROOT = Path(__file__).resolve().parent.parent
MODEL_PATH = ROOT / "models" / "read_quality.onnx"
GOLDEN = ROOT / "training" / "golden"


def export_onnx(clf, mean, scale, path):
    """The MLP as an ONNX graph with the standardisation folded into the first layer."""
    w1 = clf.coefs_[0] / scale[:, None]
    b1 = clf.intercepts_[0] - (mean / scale) @ clf.coefs_[0]
    w2, b2 = clf.coefs_[1], clf.intercepts_[1]
    inits = [
        numpy_helper.from_array(w1.astype(np.float32), "w1"),
        numpy_helper.from_array(b1.astype(np.float32), "b1"),
        numpy_helper.from_array(w2.astype(np.float32), "w2"),
        numpy_helper.from_array(b2.astype(np.float32), "b2"),
    ]
    nodes = [
        helper.make_node("MatMul", ["features", "w1"], ["h1"]),
        helper.make_node("Add", ["h1", "b1"], ["h1b"]),
        helper.make_node("Relu", ["h1b"], ["h1r"]),
        helper.make_node("MatMul", ["h1r", "w2"], ["h2"]),
        helper.make_node("Add", ["h2", "b2"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["probability"]),
    ]
    graph = helper.make_graph(
        nodes,
        "read_quality",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["reads", features.N_FEATURES])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, ["reads", 1])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="biometal training/train.py")
    model.ir_version = 8  # readable by ONNX Runtime 1.17+
    model.doc_string = "P(true errors > 1% of bases) from biometal neural_engine features: " + ", ".join(features.FEATURE_NAMES)
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))


def scores(y, score, predicted):
    return {
        "roc_auc": round(float(roc_auc_score(y, score)), 4),
        "average_precision": round(float(average_precision_score(y, score)), 4),
        "precision": round(float(precision_score(y, predicted)), 4),
        "recall": round(float(recall_score(y, predicted)), 4),
    }


def precision_at_recall(y, score, recall):
    """Precision of `score` at the threshold reaching `recall`."""
    order = np.argsort(-score, kind="stable")
    hits = np.cumsum(y[order])
    k = int(np.searchsorted(hits, recall * y.sum()))
    return round(float(hits[k] / (k + 1)), 4)


def golden_reads(rng):
    """A small committed FASTQ: simulated reads plus edge cases."""
    seqs, quals, lengths, _ = simulate.simulate(40, rng)
    names = [f"sim{i}" for i in range(40)]
    seq_list = [bytes(s[:n]) for s, n in zip(seqs, lengths)]
    qual_list = [bytes(q[:n]) for q, n in zip(quals, lengths)]
    edge = [
        ("empty", b"", b""),
        ("one", b"A", b"I"),
        ("three", b"GGG", b"!!~"),
        ("four_run", b"TTTT", b"5555"),
        ("lower_case", b"acgtnacgtnGGGGGcc", b"IIII#IIII#IIIIIII"),
        ("iupac", b"ACGTRYSWKMBDHVN.-", b"!\"#$%&'()*+,-./01"),
        ("all_n", b"NNNNNNNN", b"########"),
        ("top_quality", b"ACGTACGTAC", b"~~~~~~~~~~"),
    ]
    for name, s, q in edge:
        names.append(name)
        seq_list.append(s)
        qual_list.append(q)
    return names, seq_list, qual_list


def write_wrong_shape_model(path):
    """A valid ONNX model taking 8 features instead of N_FEATURES (for the error test)."""
    w = numpy_helper.from_array(np.ones((8, 1), dtype=np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["features", "w"], ["logit"]), helper.make_node("Sigmoid", ["logit"], ["probability"])],
        "wrong_input_shape",
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["reads", 8])],
        [helper.make_tensor_value_info("probability", TensorProto.FLOAT, ["reads", 1])],
        [w],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def write_golden(rng, session):
    GOLDEN.mkdir(parents=True, exist_ok=True)
    write_wrong_shape_model(GOLDEN / "wrong_input_shape.onnx")
    names, seq_list, qual_list = golden_reads(rng)
    with open(GOLDEN / "reads.fastq", "wb") as out:
        for name, s, q in zip(names, seq_list, qual_list):
            out.write(b"@" + name.encode() + b"\n" + s + b"\n+\n" + q + b"\n")
    names2, seqs, quals, lengths = features.read_fastq(GOLDEN / "reads.fastq")
    assert names2 == names
    x = features.extract(seqs, quals, lengths)
    (prob,) = session.run(["probability"], {"features": x})
    with open(GOLDEN / "features.tsv", "w") as out:
        out.write("name\t" + "\t".join(features.FEATURE_NAMES) + "\n")
        for name, row in zip(names, x):
            out.write(name + "\t" + "\t".join("%.9g" % v for v in row) + "\n")
    with open(GOLDEN / "predictions.tsv", "w") as out:
        out.write("name\tprobability\n")
        for name, p in zip(names, prob[:, 0]):
            out.write(f"{name}\t{p:.9g}\n")


def main():
    rng = np.random.default_rng(SEED)
    train = simulate.simulate(TRAIN_READS, rng)
    test = simulate.simulate(TEST_READS, rng)
    x_train = features.extract(*train[:3])
    x_test = features.extract(*test[:3])
    y_train = simulate.labels(train[3], train[2])
    y_test = simulate.labels(test[3], test[2])

    mean = x_train.astype(np.float64).mean(axis=0)
    scale = x_train.astype(np.float64).std(axis=0)
    scale[scale == 0] = 1.0
    clf = MLPClassifier(hidden_layer_sizes=(HIDDEN,), activation="relu", alpha=1e-4, batch_size=512,
                        learning_rate_init=1e-3, max_iter=60, early_stopping=True, n_iter_no_change=6,
                        random_state=SEED)
    clf.fit((x_train - mean) / scale, y_train)

    candidate = MODEL_PATH.with_suffix(".candidate.onnx")
    export_onnx(clf, mean, scale, candidate)
    session = onnxruntime.InferenceSession(str(candidate), providers=["CPUExecutionProvider"])
    (prob,) = session.run(["probability"], {"features": x_test})
    prob = prob[:, 0]

    ee = x_test[:, features.FEATURE_NAMES.index("expected_errors")]
    ee_rate = x_test[:, features.FEATURE_NAMES.index("expected_error_rate")]
    model = scores(y_test, prob, prob >= 0.5)
    recall = model["recall"]
    model["precision_at_model_recall"] = precision_at_recall(y_test, prob, recall)
    baselines = {}
    for name, score, cut in [("expected_errors", ee, 0.01 * x_test[:, 0]), ("expected_error_rate", ee_rate, 0.01)]:
        baselines[name] = scores(y_test, score, score > cut)
        baselines[name]["precision_at_model_recall"] = precision_at_recall(y_test, score, recall)
    report = {
        "seed": SEED,
        "train_reads": TRAIN_READS,
        "test_reads": TEST_READS,
        "test_positive_fraction": round(float(y_test.mean()), 4),
        "model_threshold": 0.5,
        "baseline_threshold": "expected errors > 1% of the read length",
        "model": model,
        "baselines": baselines,
        "versions": {"numpy": np.__version__, "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__},
    }
    print(json.dumps(report, indent=2))
    best = max(b["roc_auc"] for b in baselines.values())
    best_ap = max(b["average_precision"] for b in baselines.values())
    if model["roc_auc"] <= best or model["average_precision"] <= best_ap:
        candidate.unlink()
        sys.exit("the model does not beat the expected-errors baseline; not shipping it")
    candidate.replace(MODEL_PATH)
    with open(ROOT / "models" / "read_quality.json", "w") as out:
        json.dump(report, out, indent=2)
        out.write("\n")
    session = onnxruntime.InferenceSession(str(MODEL_PATH), providers=["CPUExecutionProvider"])
    write_golden(np.random.default_rng(SEED + 1), session)


if __name__ == "__main__":
    main()
