import argparse
import re

import pytest

from musicqa.build_config import BuildConfig
from musicqa.config import add_flags, from_args, to_toml
from musicqa.errors import InputError


def parse(argv, toml=None):
    p = argparse.ArgumentParser()
    add_flags(p, BuildConfig)
    return from_args(BuildConfig, p.parse_args(argv), toml)


def test_defaults_then_toml_then_flags(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('sources = ["musiccaps"]\n[musiccaps]\ncsv = "a.csv"\nlimit = 3\n[engine]\nbatch_size = 8\n'
                 '[fixed]\ntemperature = 0.9\n')
    cfg = parse(["--engine.batch-size", "16", "--no-report"], f)
    assert cfg.musiccaps.limit == 3 and cfg.engine.batch_size == 16 and cfg.fixed.temperature == 0.9
    assert cfg.open.temperature == 0.4 and cfg.fixed.top_k == 4  # the paper's defaults
    assert cfg.report is False and cfg.engine.model == "mosaicml/mpt-7b-chat"
    assert cfg.engine.trust_remote_code is False
    f.write_text('sources = ["musiccaps"]\n[musiccaps]\ncsv = "a.csv"\n[open]\nmax_tokens = 99\n')
    cfg = parse(["--fixed.max-tokens", "77"], f)
    assert (cfg.open.temperature, cfg.open.max_tokens, cfg.fixed.max_tokens) == (0.4, 99, 77)


def test_unknown_toml_key_names_file_and_key(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[engine]\nbatchsize = 8\n')
    with pytest.raises(InputError, match=r"c.toml \[engine\]: unknown key 'batchsize'"):
        parse([], f)


def test_invalid_values_name_the_flag(tmp_path):
    with pytest.raises(InputError, match="--musiccaps.csv is required"):
        parse(["--sources", "musiccaps"])
    with pytest.raises(InputError, match="--engine.batch-size must be >= 1"):
        parse(["--sources", "musiccaps", "--musiccaps.csv", "x", "--engine.batch-size", "0"])
    with pytest.raises(InputError, match="key 'limit': value 'abc' is not a valid int"):
        parse(["--sources", "musiccaps", "--musiccaps.csv", "x", "--musiccaps.limit", "abc"])


@pytest.mark.parametrize(("flags", "says"), [
    (["--musiccaps.limit", "-3"], "--musiccaps.limit: -3 invalid, expected >= 0"),
    (["--fixed.max-tokens", "-5"], "--fixed.max-tokens: -5 invalid, expected >= 1"),
    (["--open.max-tokens", "0"], "--open.max-tokens: 0 invalid, expected >= 1"),
    (["--fixed.temperature", "nan"], "--fixed.temperature: nan invalid, expected a number >= 0"),
    (["--open.temperature", "-0.1"], "--open.temperature: -0.1 invalid"),
    (["--open.temperature", "inf"], "--open.temperature: inf invalid"),
    (["--fixed.top-p", "0"], "--fixed.top-p: 0.0 invalid, expected 0 < top-p <= 1"),
    (["--fixed.top-k", "-1"], "--fixed.top-k: -1 invalid"),
    (["--engine.model", "/no/such/model"], "--engine.model: /no/such/model: no such folder"),
    (["--engine.model", "./models/tiny"], "--engine.model: ./models/tiny: no such folder"),
    (["--engine.tokenizer", "~/no/such/tokenizer"], "--engine.tokenizer: ~/no/such/tokenizer: no such folder"),
    (["--engine.dtype", "fp8"], "--engine.dtype: 'fp8' invalid, expected one of auto, float32, bfloat16, float16"),
    (["--clips-per-filter-batch", "0"], "--clips-per-filter-batch: 0, expected at least 1"),
    (["--ray.filter-workers", "0"], "--ray.filter-workers must be >= 1 (or unset)"),
])
def test_out_of_range_values_are_refused_by_the_config_naming_the_flag(flags, says):
    with pytest.raises(InputError, match=re.escape(says)):
        parse(["--sources", "musiccaps", "--musiccaps.csv", "x", *flags])


def test_near_misses_of_the_range_checks_are_accepted(tmp_path):
    (tmp_path / "model").mkdir()
    cfg = parse(["--sources", "musiccaps", "--musiccaps.csv", "x", "--musiccaps.limit", "0", "--fixed.max-tokens",
                 "1", "--fixed.temperature", "0", "--fixed.top-p", "1", "--engine.model", str(tmp_path / "model")])
    assert cfg.musiccaps.limit == 0 and cfg.fixed.temperature == 0.0
    assert parse(["--sources", "musiccaps", "--musiccaps.csv", "x", "--engine.model", "org/name"]).engine.model \
        == "org/name"  # a hub id is not checked on disk


def test_resolved_config_round_trips_through_toml(tmp_path):
    cfg = parse(["--sources", "musiccaps", "--musiccaps.csv", "x.csv", "--prompts.tasks", "fixed"])
    f = tmp_path / "resolved.toml"
    f.write_text(to_toml(cfg))
    again = from_args(BuildConfig, argparse.Namespace(), f)
    assert again == cfg


def test_help_explains_every_option(capsys):
    from musicqa.cli.__main__ import main

    with pytest.raises(SystemExit):
        main(["build", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for flag in ["--engine.model", "--fixed.temperature", "--open.top-k", "--prompts-dir", "--musiccaps.csv",
                 "--magnatagatune.min-tags", "--audio.text-only", "--engine.trust-remote-code", "--config"]:
        assert flag in out
    assert "(default: mosaicml/mpt-7b-chat)" in out


def test_tasks_alias_the_mcq_section_and_its_errors():
    """`--tasks fixed open mcq` is --prompts.tasks; the default stays fixed + open; a bad [mcq] value names its flag."""
    from musicqa.cli import build as cli_build

    root = argparse.ArgumentParser()
    cli_build.register(root.add_subparsers())
    base = ["build", "--sources", "musiccaps", "--musiccaps.csv", "x.csv"]
    ns = root.parse_args([*base, "--tasks", "fixed", "open", "mcq", "--mcq.per-clip", "3"])
    cfg = from_args(BuildConfig, ns, ns.config)
    assert cfg.prompts.tasks == ["fixed", "open", "mcq"] and cfg.mcq.per_clip == 3
    assert parse(base[1:]).prompts.tasks == ["fixed", "open"]
    with pytest.raises(InputError, match="--prompts.tasks: .*'quiz'"):
        parse([*base[1:], "--prompts.tasks", "quiz"])
    with pytest.raises(InputError, match="--mcq.per-clip: 0, expected at least 1"):
        parse([*base[1:], "--mcq.per-clip", "0"])
    with pytest.raises(InputError, match="--mcq.checks: unknown check 'vibes'"):
        parse([*base[1:], "--mcq.checks", "leak", "vibes"])


def test_a_source_named_with_an_underscore_takes_its_flags_in_both_spellings(capsys):
    from musicqa.build_config import config_class

    cls = config_class()
    p = argparse.ArgumentParser()
    add_flags(p, cls)
    for spelling in ("--mtg_jamendo.min-tags", "--mtg-jamendo.min-tags"):  # as typed after --sources mtg_jamendo
        assert vars(p.parse_args([spelling, "3"])) == {"mtg_jamendo.min_tags": "3"}
    p.print_help()
    shown = capsys.readouterr().out
    assert "--mtg-jamendo.min-tags" in shown and "--mtg_jamendo.min-tags" not in shown  # the alias is hidden
    with pytest.raises(SystemExit):
        p.parse_args(["--mtg_jamendo.min_tags", "3"])  # field names keep their dashes
