"""The command ``report`` (parsed by ``slrs.cli``): the committee pack of a file, recorded in the store's audit log
(who produced which pack, from which data and models)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from slrs import pipeline, store
from slrs.cli_commands import decide_file, load_models, operating_user, output_path, print_findings, write_output
from slrs.exceptions import SLRSError
from slrs.io import read_scenario_file
from slrs.scenario import DecisionScenario


def run(args: argparse.Namespace) -> None:
    scenario = read_scenario_file(args.scenario) if args.scenario else DecisionScenario()
    challenger = replace(read_scenario_file(args.challenger) if args.challenger else DecisionScenario(scenario.method),
                         currency=scenario.currency, gates=scenario.gates)  # the committee's, not a side's
    output, bundle = output_path(args), load_models(args)
    engine = store.open_store(store.database_url(args.db))  # a store that cannot be opened stops before any work
    try:
        champion = decide_file(args, scenario, bundle)
        challenger_decision = pipeline.decide(champion.portfolio, bundle, replace(challenger, borrower=None),
                                              view=champion.view if challenger.method == scenario.method else None)
        text = pipeline.pack(champion, challenger_decision, bundle)
        write_output(output, lambda stream: stream.write(text.encode("utf-8")))
        print(f"wrote the committee pack for {champion.portfolio.n_rows:,} rows of {args.input.name} to "
              f"{args.output} ({len(text.encode('utf-8')) / 1e6:.1f} MB, opens offline)", file=sys.stderr)
        print_findings(champion.findings)
        try:
            store.log_event(engine, operating_user(), store.PRODUCED_PACK,
                            f"committee pack {output.name} of {args.input.name}", champion.portfolio.digest,
                            bundle.manifest["files"])
        except SLRSError as error:
            raise SLRSError(f"the pack was written to {output}, but the audit log could not record it: {error}") \
                from None
    finally:
        engine.dispose()
