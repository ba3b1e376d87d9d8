"""The ``riskwatch`` command line. Exit codes: 0 done, 1 done but a source could not be reached, 2 bad
config or usage."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from importlib import import_module
from pathlib import Path
from typing import Any

from rich.console import Console

from crawlers.errors import ConfigError, CrawlerError
from crawlers.limits import describe
from crawlers.logsetup import console_logging
from indexer.errors import IndexerError
from riskwatch import __version__
from riskwatch.cli_args import EXIT_CONFIG, EXIT_OK, EXIT_PARTIAL, absolute_time
from riskwatch.config import (
    CONFIG_ENV,
    DEFAULT_CONFIG,
    DEFAULT_MODEL,
    INFERENCE,
    AppConfig,
    config_named,
    default_config,
    load_config,
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


# Stages after nlp add their commands here: each module's ``add_commands(subparsers)`` gives every parser a
# ``handler(args, config, console) -> exit code`` default.
COMMAND_MODULES = (
    "riskwatch.cli_index",
    "riskwatch.cli_kibana",
    "riskwatch.cli_alerts",
    "riskwatch.cli_report",
    "riskwatch.cli_fleet",
    "riskwatch.cli_web",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="riskwatch", description=__doc__)
    parser.add_argument("--version", action="version", version=f"riskwatch {__version__}")
    parser.add_argument(
        "--config", help=f"main config file (default: ${CONFIG_ENV} or configs/riskwatch.yaml)"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also show the libraries' log records (Scrapy, ...)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    crawl = commands.add_parser("crawl", help="crawl the configured sources once")
    crawl.add_argument("--source", action="append", metavar="NAME", help="only this source (repeatable)")
    destination = crawl.add_mutually_exclusive_group()
    destination.add_argument(
        "--output", type=Path, metavar="FILE.jsonl", help="append documents as JSON Lines (not the store)"
    )
    destination.add_argument(
        "--dry-run", action="store_true", help="store nothing and record no page as seen"
    )
    destination.add_argument(
        "--worker",
        action="store_true",
        help="one worker of a crawl fleet: shared frontier in Redis ($RISKWATCH_REDIS_URL or fleet.redis_url);"
        " documents go to the stream that `riskwatch tag-worker` stores",
    )
    crawl.add_argument("--refetch", action="store_true", help="fetch article pages seen in earlier runs too")
    crawl.add_argument(
        "--now",
        type=absolute_time,
        metavar="TIMESTAMP",
        help="resolve relative dates (3小时前) against this instant instead of the clock",
    )
    crawl.add_argument("--report", type=Path, metavar="FILE.json", help="write the run's figures as JSON")
    crawl.add_argument("--no-tag", action="store_true", help="write documents untagged")
    crawl.add_argument("--no-progress", action="store_true", help="no live progress display")

    commands.add_parser("sources", help="validate the config and list its sources")

    tag = commands.add_parser("tag", help="tag JSON Lines documents with sentiment, entities and events")
    tag.add_argument("--input", required=True, help="JSON Lines file, or - for standard input")
    tag.add_argument("--output", required=True, help="JSON Lines file, or - for standard output")
    tag.add_argument("--model", type=Path, help="model folder (default: the config's model)")
    tag.add_argument("--batch-size", type=int, default=64)
    tag.add_argument("--inference", choices=INFERENCE, help="how the model runs (default: the config's)")

    evaluate = commands.add_parser(
        "evaluate", help="the model's dev figures beside the baselines and targets"
    )
    evaluate.add_argument("--model", type=Path, help="model folder (default: the config's model)")
    evaluate.add_argument(
        "--no-baselines", action="store_true", help="skip fitting the two baselines (~15 s)"
    )
    evaluate.add_argument("--limit", type=int, help="cap each dev set (quick checks)")
    evaluate.add_argument("--int8", action="store_true", help="evaluate the int8-quantised model")
    evaluate.add_argument("--bf16", action="store_true", help="evaluate with the encoder in bfloat16 (CPU)")
    evaluate.add_argument("--onnx", action="store_true", help="evaluate with the encoder in ONNX Runtime")
    evaluate.add_argument(
        "--no-ngram", action="store_true", help="the encoder's heads alone, without the n-gram heads' blend"
    )
    evaluate.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    evaluate.add_argument(
        "--dev-rules",
        action="store_true",
        help="instead: the document-label thresholds the dev rules choose for this model, beside the shipped"
        " ones (re-check after fit-ngram)",
    )

    train = commands.add_parser("train", help="train the model from the shared data (MLM, then all heads)")
    train.add_argument("--output", type=Path, required=True, help="model folder to write")
    train.add_argument(
        "--init", type=Path, metavar="DIR", help="continue training this model folder (its size wins)"
    )
    train.add_argument(
        "--keep-layers",
        type=int,
        metavar="N",
        help="with --init: keep the encoder's bottom N layers and fine-tune that smaller, faster model",
    )
    train.add_argument("--pretrain-steps", type=int, default=3000)
    train.add_argument("--pretrain-batch", type=int, default=64)
    train.add_argument("--pretrain-lr", type=float, default=5e-4)
    train.add_argument("--lr", type=float, default=2e-4, help="fine-tuning learning rate")
    train.add_argument(
        "--ner-head",
        choices=("linear", "bilstm", "cnn"),
        help="NER head: bilstm (the default from scratch), cnn (dilated convolutions, faster) or linear on"
        " the encoder; with --init, a head other than the model's own is trained anew",
    )
    train.add_argument("--ner-hidden", type=int, help="a new NER head's units (BiLSTM) or channels (CNN)")
    train.add_argument("--ner-layers", type=int, help="a new NER head's layers")
    train.add_argument("--ner-lr", type=float, default=2e-3, help="learning rate of the BiLSTM NER head")
    train.add_argument(
        "--ner-crf",
        action="store_true",
        help="add a CRF to the NER head (kept from an --init model that has one)",
    )
    train.add_argument("--crf-lr", type=float, default=1e-2, help="learning rate of the NER CRF's scores")
    train.add_argument(
        "--ner-swap",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="also train this share of NER sentences with their organisations renamed (nlp/ner_augment.py)",
    )
    train.add_argument("--steps", type=int, default=4000)
    train.add_argument("--hidden-size", type=int, default=312)
    train.add_argument("--layers", type=int, default=4)
    train.add_argument("--max-length", type=int, default=160)
    train.add_argument("--batch-size", type=int, default=32)
    train.add_argument("--limit", type=int, help="examples per dataset (smoke runs)")
    train.add_argument(
        "--task-weights",
        type=_task_weights,
        metavar="TASK=W,...",
        help="how often each task is drawn; changes the defaults entity_negative=3,events=3,forum=2,ner=3,"
        "company_news=1",
    )
    train.add_argument(
        "--no-ngram", action="store_true", help="do not fit the character n-gram heads (riskwatch fit-ngram)"
    )
    train.add_argument(
        "--recipe",
        type=Path,
        metavar="FILE",
        help="replay a chain of training stages (configs/training/riskwatch-zh-mini.yaml made the shipped"
        " model); goes on from the stages a stopped replay finished; only --output, --limit and --max-steps"
        " go with it",
    )
    train.add_argument(
        "--max-steps", type=int, metavar="N", help="with --recipe: cap each stage's steps (a quick dry run)"
    )

    fit_ngram = commands.add_parser(
        "fit-ngram",
        help="fit a model folder's character n-gram heads (train splits) and their blend (dev splits)",
    )
    fit_ngram.add_argument("--model", type=Path, required=True, help="model folder to add them to")
    fit_ngram.add_argument(
        "--blend-only",
        action="store_true",
        help="keep the folder's heads and choose only their blend weights (after the encoder changed)",
    )

    prune = commands.add_parser(
        "prune-vocab", help="cut a model's vocabulary to the tokens its training texts contain"
    )
    prune.add_argument("--model", type=Path, required=True, help="model folder to read")
    prune.add_argument("--output", type=Path, required=True, help="model folder to write")
    prune.add_argument("--min-count", type=int, default=1, help="keep tokens seen this often (default 1)")

    for module in COMMAND_MODULES:
        import_module(module).add_commands(commands)

    demo = commands.add_parser("demo", help="serve the offline demo site and crawl it end to end")
    demo.add_argument("--workdir", type=Path, default=Path("data/demo"), help="where the demo writes")
    demo.add_argument(
        "--port",
        type=int,
        default=8765,
        help="port of the demo site (default 8765; the demo sources follow it)",
    )
    return parser


def _print_crawl_report(console: Console, report, title: str, stored: bool = False) -> None:
    from crawlers.progress import report_table

    console.print(report_table(report.sources, title, finished=True), soft_wrap=False)
    if report.output:
        console.print(f"{report.documents_written} new document(s) written to {report.output}")
    elif not stored:
        console.print("no --output: a dry run; no page was recorded as seen, the next run fetches them again")
    if report.recovered_partial_line:
        console.print("[yellow]the output file ended in a half-written line from a killed run; it was cut[/]")
    errors = sum(source.errors for source in report.sources)
    if errors:
        console.print(f"[yellow]{errors} error(s) logged during the crawl: {report.log_path} has them[/]")
    truncated = sum(source.truncated for source in report.sources)
    if truncated:
        console.print(
            f"{truncated} document(s) longer than max_content_chars were cut; each records its original"
            " length in extra.truncated (crawl.log names them)"
        )
    for source in report.unreachable:
        console.print(f"[red]source {source.name}: no page could be fetched ({source.drops})[/]")


def has_model(folder: Path) -> bool:
    from nlp.model_files import has_weights

    return has_weights(folder)


def required_model(args: argparse.Namespace, config: AppConfig, console: Console) -> Path | None:
    """The model folder a command uses (``--model`` or the config's); ``None``, said why, if it has none."""
    model_dir: Path = args.model or config.model_dir
    if has_model(model_dir):
        return model_dir
    console.print(f"[red]no trained model in {model_dir}[/]: train one with `riskwatch train --output DIR`")
    return None


def tagging(config: AppConfig, console: Console):
    """A wrapper that tags documents on their way to the output, or ``None`` when no model is installed."""
    if not has_model(config.model_dir):
        console.print(f"[yellow]no trained model in {config.model_dir}: documents are written untagged[/]")
        return None
    from nlp.tagging_sink import TaggingSink

    tagger = config.load_tagger()
    return lambda sink: TaggingSink(sink, tagger, max_content_chars=config.main.max_content_chars)


def join_fleet_or_explain(config: AppConfig, console: Console):
    """The crawl fleet this worker joins (:mod:`crawlers.fleet`), or ``None``, said why."""
    from crawlers.fleet import join_fleet
    from crawlers.fleet_config import REDIS_URL_ENV

    url = config.main.fleet.url()
    if url is None:
        console.print(
            f"[red]--worker needs a Redis URL: set {REDIS_URL_ENV} or fleet.redis_url in {config.path}[/]"
        )
        return None
    import redis

    try:
        return join_fleet(config.main.fleet, url)
    except redis.RedisError as exc:
        console.print(f"[red]cannot reach the fleet's Redis: {exc}[/]", highlight=False)
        return None


def cmd_crawl(args: argparse.Namespace, config: AppConfig, console: Console) -> int:
    from crawlers.runner import run_crawl

    selected = [s for s in config.sources if s.enabled]
    if args.source:
        known = {s.name: s for s in config.sources}
        unknown = [name for name in args.source if name not in known]
        if unknown:
            console.print(f"[red]unknown source(s): {', '.join(unknown)} (configured: {', '.join(known)})[/]")
            return EXIT_CONFIG
        selected = [known[name] for name in args.source]
    if not selected:
        console.print("[red]no enabled source to crawl[/]")
        return EXIT_CONFIG
    sink = fleet = None
    try:
        if args.worker:
            fleet = join_fleet_or_explain(config, console)
            if fleet is None:
                return EXIT_CONFIG
        elif not args.output and not args.dry_run:  # the documents stream into the configured store
            from riskwatch.cli_index import open_sink

            sink = open_sink(config, console, tag=not args.no_tag)
        report = run_crawl(
            selected,
            config.main.crawl,
            config.state_dir,
            output=args.output,
            queries=config.search_queries(),
            refetch=args.refetch,
            now=args.now,
            console=console,
            live=False if args.no_progress else None,
            wrap_sink=None if args.no_tag or not args.output else tagging(config, console),
            sink=sink,
            max_content_chars=config.main.max_content_chars,
            fleet=fleet,
        )
    except IndexerError as exc:  # the store refused a batch: its pages stay unseen, fetched next run
        console.print(f"[red]store error:[/] {exc}", highlight=False)
        return EXIT_PARTIAL
    _print_crawl_report(console, report, "crawl finished", stored=sink is not None or fleet is not None)
    if fleet is not None:
        console.print(f"{report.documents_written} document(s) sent to the stream {fleet.sink.stream}")
    figures = report.to_dict()
    if sink is not None:
        from riskwatch.cli_index import print_index_report

        print_index_report(console, config, sink)
        figures["index"] = sink.report.to_dict()
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return EXIT_PARTIAL if report.unreachable else EXIT_OK


def cmd_sources(config: AppConfig, console: Console) -> int:
    from rich.table import Table

    table = Table(title=f"sources in {config.main.sources}", title_justify="left")
    for column in ("name", "kind", "enabled", "entry points", "private ok"):
        table.add_column(column)
    for source in config.sources:
        entry = [*source.start_urls, *source.feeds, *([source.search] if source.search else [])]
        table.add_row(
            source.name, source.kind, str(source.enabled), "\n".join(entry), str(source.allow_private)
        )
    console.print(table, soft_wrap=False)
    console.print(f"watchlist: {len(config.watchlist)} entities; state: {config.state_dir}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, config: AppConfig, console: Console) -> int:
    from crawlers.runner import run_crawl
    from riskwatch.demo import SITE_ROOT, sources_on_port
    from riskwatch.demo.server import SiteServer

    workdir: Path = args.workdir
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    try:
        server = SiteServer(SITE_ROOT, port=args.port).start()
    except OSError as exc:
        console.print(f"[red]cannot serve the demo site on 127.0.0.1:{args.port}: {exc}[/]")
        return EXIT_CONFIG
    sources = sources_on_port([s for s in config.sources if s.enabled], args.port)
    console.print(f"demo site on {server.base_url}/ ; crawling {len(sources)} source(s)…")
    output = workdir / "documents.jsonl"
    try:
        report = run_crawl(
            sources,
            config.main.crawl,
            workdir / "state",
            output=output,
            queries=config.search_queries(),
            console=console,
            wrap_sink=tagging(config, console),
            max_content_chars=config.main.max_content_chars,
        )
    finally:
        server.stop()
    _print_crawl_report(console, report, "demo crawl")
    from riskwatch.demo.show import show_documents

    show_documents(console, output)
    from riskwatch.demo.stages import DemoContext, run_stages

    failed = run_stages(DemoContext(config=config, console=console, workdir=workdir, documents=output))
    return EXIT_PARTIAL if report.unreachable or failed else EXIT_OK


def cmd_tag(args: argparse.Namespace, config: AppConfig, console: Console) -> int:
    from nlp.tagging_io import tag_stream

    model_dir = required_model(args, config, console)
    if model_dir is None:
        return EXIT_CONFIG
    tagger = config.load_tagger(model_dir, args.inference)
    source = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")  # noqa: SIM115
    sink = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    try:
        report = tag_stream(tagger, source, sink, args.batch_size, config.main.max_content_chars)
    finally:
        for handle in (source, sink):
            if handle not in (sys.stdin, sys.stdout):
                handle.close()
    for line, reason in report.failed:
        console.print(f"[red]{args.input}, line {line}:[/] {reason} (skipped)", highlight=False)
    for line, cut in report.truncated:
        console.print(
            f"{args.input}, line {line}: {describe(cut)} (max_content_chars; recorded in extra.truncated)"
        )
    console.print(f"{report.tagged} document(s) tagged, {len(report.failed)} line(s) failed")
    return EXIT_PARTIAL if report.failed else EXIT_OK


def cmd_evaluate(args: argparse.Namespace, config: AppConfig, console: Console) -> int:
    from rich.table import Table

    from nlp.evaluate import TARGETS, evaluate_model
    from nlp.tagger import Tagger

    model_dir = required_model(args, config, console)
    if model_dir is None:
        return EXIT_CONFIG
    tagger = Tagger.load(model_dir, int8=args.int8, onnx=args.onnx, bf16=args.bf16, ngram=not args.no_ngram)
    if args.dev_rules:
        return show_dev_rules(tagger, args.limit)
    figures = {"model": evaluate_model(tagger, limit=args.limit)}
    if not args.no_baselines:
        from nlp.baselines import evaluate_baselines

        figures |= evaluate_baselines()
    table = Table(title=f"dev and cross-source figures: {model_dir}", title_justify="left")
    table.add_column("figure")
    for column in [*figures, "target"]:
        table.add_column(column, justify="right")
    for key in figures["model"]:
        row = [_figure(key, figures[name].get(key)) for name in figures]
        table.add_row(key, *row, _target(figures["model"][key], TARGETS.get(key)))
    Console().print(table)
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return EXIT_OK


def _target(value: float, target: float | None) -> str:
    """The target column: the target and whether the model meets it (✓ met, ✗ not)."""
    if target is None:
        return ""
    return f"≥ {target:.2f} " + ("[green]✓[/green]" if value >= target else "[red]✗[/red]")


def show_dev_rules(tagger: Any, limit: int | None) -> int:
    """The thresholds of nlp.sentiment as their dev rules choose them for ``tagger`` (nlp.dev_rules), on
    stdout as the figures are."""
    from rich.table import Table

    from nlp import cross_source, dev_rules, sentiment
    from nlp.data import ForumPost, load_forum_sentiment

    posts = load_forum_sentiment().dev
    posts = posts[:limit] if limit else posts
    post_probabilities, stance, entity_negative, risk_event = dev_rules.read_dev_posts(tagger, posts)
    gold = [p.label for p in posts]
    other = None  # the hand-labelled posts of other crawls the event-backed rule is judged on
    if cross_source.labelled_file(cross_source.FORUM_CHOICE).is_file():
        labelled = cross_source.labelled_forum(name=cross_source.FORUM_CHOICE)
        labelled = labelled[:limit] if limit else labelled
        _, *reads = dev_rules.read_dev_posts(tagger, [ForumPost(text, label) for text, label in labelled])
        other = dev_rules.PostReads([label for _, label in labelled], *reads)
    entity = dev_rules.post_entity_threshold(gold, stance, entity_negative)
    event = dev_rules.post_event_rule(
        gold,
        stance,
        entity_negative,
        risk_event,
        entity,
        sentiment.POST_ENTITY_THRESHOLD,
        sentiment.POST_EVENT_THRESHOLD,
        other=other,
    )
    table = Table(title=f"document-label thresholds on FinFE dev ({len(posts)} posts)", title_justify="left")
    table.add_column("nlp.sentiment", no_wrap=True)
    table.add_column("dev rule", justify="right")
    table.add_column("shipped", justify="right")
    table.add_column("dev figures", ratio=1)
    kept = {t: sum(p >= t for p in post_probabilities) / len(posts) for t in dev_rules.POST_THRESHOLD_GRID}
    table.add_row(
        "POST_THRESHOLD",
        f"{dev_rules.post_threshold(post_probabilities)}",
        f"{sentiment.POST_THRESHOLD}",
        "posts kept: " + ", ".join(f"{t}: {share:.1%}" for t, share in kept.items()),
    )
    table.add_row(
        "POST_ENTITY_THRESHOLD",
        "none" if entity.threshold is None else f"{entity.threshold}",
        f"{sentiment.POST_ENTITY_THRESHOLD}",
        f"alone {entity.alone:.3f} ± {entity.standard_error:.3f}; "
        + ", ".join(f"{t}: {figure:.3f}" for t, figure in entity.figures.items()),
    )
    table.add_row(
        "POST_EVENT_THRESHOLD",
        "keep" if event.keep else "drop",
        f"{sentiment.POST_EVENT_THRESHOLD}",
        f"entity rule alone {event.without:.3f}; with the event-backed rule {event.figure:.3f} "
        f"({event.changed} posts change)"
        + (
            ""
            if other is None
            else f"; other crawls' choice posts ({len(other.gold)}): {event.other_without:.3f} → "
            f"{event.other_figure:.3f}"
        ),
    )
    Console().print(table)
    return EXIT_OK


def _figure(key: str, value: float | None) -> str:
    """A table cell: a count (``….items``) as a whole number, a figure to three places, ``-`` for none."""
    if value is None:
        return "-"
    return f"{value:,.0f}" if key.endswith(".items") else f"{value:.3f}"


def _task_weights(text: str) -> dict[str, float]:
    from nlp.train import parse_task_weights

    try:
        return parse_task_weights(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_train(args: argparse.Namespace, console: Console) -> int:
    import logging

    from nlp.train import TrainConfig, train

    console_logging(console, logging.INFO)  # training progress (nlp.train's INFO records)
    if args.recipe or args.max_steps is not None:
        return _train_recipe(args, console)
    config = TrainConfig(
        output=args.output,
        hidden_size=args.hidden_size,
        num_layers=args.layers,
        max_length=args.max_length,
        pretrain_steps=args.pretrain_steps,
        pretrain_batch=args.pretrain_batch,
        pretrain_lr=args.pretrain_lr,
        lr=args.lr,
        ner_head=args.ner_head,
        ner_hidden=args.ner_hidden,
        ner_layers=args.ner_layers,
        ner_lr=args.ner_lr,
        ner_crf=args.ner_crf,
        crf_lr=args.crf_lr,
        ner_swap=args.ner_swap,
        steps=args.steps,
        batch_size=args.batch_size,
        limit=args.limit,
        init=args.init,
        keep_layers=args.keep_layers,
    )
    if args.task_weights:
        config.task_weights = args.task_weights
    train(config)
    if not args.no_ngram:
        _fit_ngram(args.output, console)
    console.print(f"model written to {args.output}")
    return EXIT_OK


RECIPE_OPTIONS = ("command", "config", "output", "recipe", "limit", "max_steps")
"""The ``train`` options that go with ``--recipe``; the recipe's stages set every other."""


def _train_recipe(args: argparse.Namespace, console: Console) -> int:
    from nlp.recipe import RecipeError, load_recipe, run_recipe, stages_folder

    if not args.recipe:
        console.print("[red]error:[/red] --max-steps goes with --recipe")
        return EXIT_CONFIG
    defaults = vars(build_parser().parse_args(["train", "--output", str(args.output)]))
    given = sorted(
        key
        for key, value in vars(args).items()
        if key in defaults and key not in RECIPE_OPTIONS and value != defaults[key]
    )
    if given:
        options = ", ".join("--" + key.replace("_", "-") for key in given)
        console.print(f"[red]error:[/red] {options}: set in the recipe's stages, not beside --recipe")
        return EXIT_CONFIG
    try:
        recipe = load_recipe(args.recipe)
        console.print(
            f"{recipe.name}: {len(recipe.stages)} stages into {stages_folder(args.output)}, the last copied to"
            f" {args.output}"
        )
        done = run_recipe(recipe, args.output, limit=args.limit, max_steps=args.max_steps)
    except RecipeError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return EXIT_CONFIG
    kept = [name for name, how in done if how == "kept"]
    if kept:
        console.print(f"kept from a replay before: {', '.join(kept)}")
    console.print(f"model written to {args.output}")
    return EXIT_OK


def _fit_ngram(folder: Path, console: Console, blend_only: bool = False) -> None:
    from nlp.ngram_blend import fit_ngram_folder

    heads = fit_ngram_folder(folder, blend_only=blend_only)
    for name in heads.blend:
        dev = heads.about[f"{name}.dev"]
        console.print(
            f"{name}: n-gram weight {dev['weight']:.1f} on dev; dev {dev['figure_at_weight']:.3f} at it, "
            f"{dev['figure_cross_fitted']:.3f} cross-fitted (encoder alone {dev['encoder_alone']:.3f}, "
            f"n-gram alone {dev['ngram_alone']:.3f})"
        )
    crawl = heads.about.get("sentiment.other_crawl")
    if crawl:  # the sentiment weight chosen on posts of other crawls among those dev cannot tell apart
        figures = ", ".join(f"{w}: {f:.3f}" for w, f in crawl["choice_posts_kind_forum"].items())
        console.print(
            f"sentiment: n-gram weight {crawl['weight']:.1f} chosen on the choice posts of other crawls "
            f"({figures}) among the weights within FinFE dev's standard error ({crawl['dev_standard_error']:.3f})"
        )


def cmd_fit_ngram(args: argparse.Namespace, config: AppConfig, console: Console) -> int:
    import logging

    model_dir = required_model(args, config, console)
    if model_dir is None:
        return EXIT_CONFIG
    console_logging(console, logging.INFO)
    try:
        _fit_ngram(model_dir, console, blend_only=args.blend_only)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return EXIT_CONFIG
    console.print(f"n-gram heads written to {model_dir}")
    return EXIT_OK


def cmd_prune_vocab(args: argparse.Namespace, console: Console) -> int:
    from nlp.vocab_prune import prune_folder, training_texts

    figures = prune_folder(args.model, args.output, training_texts(), args.min_count)
    console.print(f"{args.output}: vocabulary {figures['tokens_before']} → {figures['tokens_after']} tokens")
    return EXIT_OK


MODEL_COMMANDS = ("tag", "evaluate", "fit-ngram")  # need the model and nothing else of a config
MODEL_ONLY_COMMANDS = (*MODEL_COMMANDS, "train", "prune-vocab")  # run without a config file


def config_for(args: argparse.Namespace, console: Console) -> AppConfig:
    """The named or found config; for commands that need only the model, every default when there is none
    (said on stderr), so that ``riskwatch tag`` works from any folder."""
    if args.command in MODEL_ONLY_COMMANDS and not config_named(args.config):
        if args.command in MODEL_COMMANDS:
            console.print(
                f"[yellow]no config file ({DEFAULT_CONFIG} is not in {Path.cwd()}; neither --config nor"
                f" ${CONFIG_ENV} is given): the shipped model {DEFAULT_MODEL} and default settings apply[/]",
                highlight=False,
            )
        return default_config()
    return load_config(args.config)


def _where_configs_are(error: ConfigError) -> str:
    if error.path != DEFAULT_CONFIG.resolve() or error.message != "file not found":
        return ""
    return f" (run riskwatch in the folder that holds {DEFAULT_CONFIG}, or name the file with --config or ${CONFIG_ENV})"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    console = Console(stderr=True, soft_wrap=True)  # messages stay one line each, for grep and log shippers
    console_logging(console, verbose=args.verbose)  # before anything a library might log
    try:
        config = config_for(args, console)
    except ConfigError as exc:
        console.print(f"[red]config error:[/] {exc}{_where_configs_are(exc)}", markup=True, highlight=False)
        return EXIT_CONFIG
    try:
        if getattr(args, "handler", None):
            return args.handler(args, config, console)
        if args.command == "crawl":
            return cmd_crawl(args, config, console)
        if args.command == "sources":
            return cmd_sources(config, console)
        if args.command == "demo":
            return cmd_demo(args, config, console)
        if args.command == "tag":
            return cmd_tag(args, config, console)
        if args.command == "evaluate":
            return cmd_evaluate(args, config, console)
        if args.command == "train":
            return cmd_train(args, console)
        if args.command == "prune-vocab":
            return cmd_prune_vocab(args, console)
        if args.command == "fit-ngram":
            return cmd_fit_ngram(args, config, console)
    except ConfigError as exc:  # e.g. the crawl sources, read when a command first needs them
        console.print(f"[red]config error:[/] {exc}", highlight=False)
        return EXIT_CONFIG
    except CrawlerError as exc:
        console.print(f"[red]error:[/] {exc}", highlight=False)
        return EXIT_CONFIG
    raise AssertionError(f"unhandled command {args.command}")


if __name__ == "__main__":
    sys.exit(main())
