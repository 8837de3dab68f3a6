"""The ``train`` command: cross-validate every method, fit the final models and save the artifacts.

Apart from the other commands so that they never import the training libraries (see ``slrs.cli.COMMANDS``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from slrs.cli_commands import DEFAULT_TRAINING_DATA, read_file_bytes
from slrs.digest import sha256_file
from slrs.exceptions import SLRSError
from slrs.io import DEFAULT_MODEL_DIR, read_portfolio_bytes, save_bundle
from slrs.risk import COMMITTED_TRAINING, FAST_TRAINING
from slrs.segmentation import DEFAULT_K, SegmentConfig
from slrs.training import train_bundle, training_rows
from slrs.validation import validate_portfolio


def run(args: argparse.Namespace) -> None:
    args = _with_defaults(args)
    SegmentConfig(args.k)
    if args.fast and args.out.resolve() == DEFAULT_MODEL_DIR.resolve():
        raise SLRSError("--fast trains small models for trying things out; give --out DIR so the project's own "
                        "models/ are not replaced")
    frame = read_portfolio_bytes(read_file_bytes(args.data), args.data.name)
    validation = validate_portfolio(frame, source=f"'{args.data.name}'")
    rows = training_rows(validation.clean, validation.scorable)
    skipped = len(frame) - int(rows.sum())
    if skipped:
        print(f"note: {skipped:,} rows without a usable label or inputs are left out of training "
              "(see their Data_Issues when scored)", file=sys.stderr)
    bundle = train_bundle(validation.clean[rows], data_sha256=sha256_file(args.data), data_name=args.data.name,
                          k=args.k, settings=FAST_TRAINING if args.fast else COMMITTED_TRAINING)
    path = save_bundle(bundle, args.out)
    _report_training(bundle.manifest, path)


def _with_defaults(args: argparse.Namespace) -> argparse.Namespace:
    """The bundled training data, the project's models/ and the study's k where the command line left them out."""
    return argparse.Namespace(**{**vars(args), "data": args.data or DEFAULT_TRAINING_DATA,
                                 "out": args.out or DEFAULT_MODEL_DIR, "k": DEFAULT_K if args.k is None else args.k})


def _report_training(manifest: dict, path: Path) -> None:
    metrics = manifest["metrics"]
    lines = [f"trained on {manifest['training_data']['rows']:,} rows; manifest: {path}",
             f"held-out ({manifest['outcome_model']} kept; {len(metrics['candidates'])} candidates compared):"]
    for name, values in [*metrics["candidates"].items(), ("benchmark scorecard", metrics["scorecard"]),
                         ("study method", metrics["study"])]:
        lines.append(f"  {name:24s} ROC AUC {values['roc_auc']:.3f}  Brier {values['brier']:.3f}  "
                     f"log loss {values['log_loss']:.3f}  accuracy {values['accuracy']:.3f} "
                     f"(majority baseline {values['majority_accuracy']:.3f})")
    lines.append(f"  study's own claim: its forest predicts its own high-risk flag with accuracy "
                 f"{metrics['study_flag_accuracy']:.3f} (circular: the flag is made from its segments)")
    lines.append(f"segments: {' | '.join(manifest['segments']['names'])}; "
                 f"silhouette {manifest['segments']['silhouette']:.3f}")
    lines += [f"WARNING: {warning}" for warning in manifest["warnings"]]
    print("\n".join(lines), file=sys.stderr)
