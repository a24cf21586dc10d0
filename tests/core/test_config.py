"""Config loading: every problem reported with its key path, a hint and a line number."""

from __future__ import annotations

from pathlib import Path

import pytest

from lotedge.config.base import SecretRef
from lotedge.config.loader import load_config
from lotedge.config.problems import ConfigError
from tests.conftest import EXAMPLE_CONFIG, write_config
from tests.core.daemon_helpers import lotedge


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return [
        str(p).split(": ", 1)[1] if str(p).startswith("line ") else str(p)
        for p in caught.value.problems
    ]


def test_example_config_is_valid():
    config = load_config(EXAMPLE_CONFIG)
    assert config.identity.site == "PLANT1"
    assert [p.code for p in config.products] == ["BREAD", "CAKE"]


def test_unknown_key_gets_path_line_and_suggestion(tmp_path: Path):
    path = write_config(tmp_path, replace={"debounce_seconds = 3.0": "debounce_secs = 3.0"})
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [problem] = caught.value.problems
    lines = EXAMPLE_CONFIG.read_text().splitlines()
    line = next(i for i, x in enumerate(lines, 1) if "debounce_seconds" in x)
    assert str(problem) == (
        f"line {line}: scan.debounce_secs: unknown key (hint: did you mean 'debounce_seconds'?)"
    )


def test_all_problems_at_once(tmp_path: Path):
    path = write_config(
        tmp_path,
        replace={
            'gtins = ["09501101530003"]': 'gtins = ["09501101530004"]',
            'bom = ["FLOUR", "SUGAR"]': 'bom = ["FLOUR", "SUGR"]',
            'unit = "H87"                 #': 'unit = "pieces"                 #',
        },
    )
    found = problems_of(path)
    assert any("materials[0].gtins" in p and "check digit" in p for p in found), found
    assert any("products[0].unit" in p and "Rec 20 unit code" in p for p in found), found
    # the checks across sections run too, on the config without the wrong values
    assert any("products[1].bom[1]" in p and "did you mean 'SUGAR'" in p for p in found), found
    assert len(found) == 3


def test_a_type_error_does_not_hide_a_bad_lot_template(tmp_path: Path):
    path = write_config(
        tmp_path,
        replace={
            "dpi = 203": "dpi = 250",
            '"C{yyyy}{mm}-{seq:5}{check}"': '"C{yyyy}{mm}-{bogus}"',
        },
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    lines = path.read_text().splitlines()
    where = {p.path: p.line for p in caught.value.problems}
    assert set(where) == {"labels.dpi", "products[1].lot_template"}
    assert lines[where["labels.dpi"] - 1].startswith("dpi = 250")
    assert "{bogus}" in lines[where["products[1].lot_template"] - 1]


def test_a_store_config_points_each_problem_at_its_own_line(tmp_path: Path):
    path = tmp_path / "store.toml"
    path.write_text(
        '[store]\ndatabase_url = "sqlite:///t.db"\n\nbatch_size = 0\n\n'
        '[store.mqtt]\nhost = "127.0.0.1"\nport = "x"\nbogus = 1\n'
    )
    checked = lotedge("config", "check", str(path))
    assert checked.returncode == 1
    assert checked.stderr.splitlines() == [
        f"{path}: line 4: store.batch_size: must be at least 1 (got 0)",
        f"{path}: line 8: store.mqtt.port: must be a whole number (got 'x')",
        f"{path}: line 9: store.mqtt.bogus: unknown key (hint: remove it or check the docs)",
        "3 problems found",
    ]


def test_the_example_store_config_is_valid():
    checked = lotedge("config", "check", str(EXAMPLE_CONFIG.parent / "store.example.toml"))
    assert checked.returncode == 0, checked.stderr
    assert "ok (trace store: sqlite:///" in checked.stdout


def test_cross_checks_name_the_key(tmp_path: Path):
    path = write_config(
        tmp_path,
        replace={
            'bom = ["FLOUR", "SUGAR"]': 'bom = ["FLOUR", "SUGR"]',
            '"{yy}{julian}{line}{seq:4}"': '"{site}{line}{yyyy}{julian} {seq:8}"',
        },
    )
    found = problems_of(path)
    assert any(
        p.startswith("products[1].bom[1]: product CAKE lists material 'SUGR'")
        and "did you mean 'SUGAR'?" in p
        for p in found
    ), found
    assert any("products[0].lot_template" in p and "at most 20" in p for p in found), found
    assert any("products[0].lot_template" in p and "forbids: [' ']" in p for p in found), found


def test_bad_toml_is_reported(tmp_path: Path):
    path = tmp_path / "bad.toml"
    path.write_text("[identity\nsite = 1\n")
    [problem] = problems_of(path)
    assert "not valid TOML" in problem and "line 1" in problem


def test_line_numbers_follow_arrays_of_tables(tmp_path: Path):
    path = write_config(tmp_path, replace={'bom = ["FLOUR", "SUGAR"]': 'bom = ["FLOUR", "SUGR"]'})
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    [problem] = caught.value.problems
    lines = path.read_text().splitlines()
    assert lines[problem.line - 1].startswith('bom = ["FLOUR", "SUGR"]')


def test_master_data_from_csv_and_toml(tmp_path: Path):
    (tmp_path / "materials.csv").write_text(
        "code,name,gtins,vendor,uom\nSALT,Salt,09501101530027,Salz AG,KGM\n"
    )
    path = write_config(tmp_path, extra='master_data_file = "materials.csv"\n')
    text = path.read_text().replace('master_data_file = "materials.csv"\n', "")
    path.write_text('master_data_file = "materials.csv"\n' + text)
    config = load_config(path)
    salt = config.material("SALT")
    assert salt is not None and salt.gtins == ["09501101530027"] and salt.vendor == "Salz AG"

    (tmp_path / "md.toml").write_text('[[materials]]\ncode = "OIL"\nname = "Oil"\nvendr = "x"\n')
    path.write_text('master_data_file = "md.toml"\n' + text)
    assert any("materials[3].vendr: unknown key" in p for p in problems_of(path))


def test_secrets_come_from_env_or_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    secret_file = tmp_path / "pw"
    secret_file.write_text("s3cret\n")
    assert SecretRef(file=str(secret_file)).resolve() == "s3cret"
    monkeypatch.setenv("LOTEDGE_TEST_PW", "from-env")
    assert SecretRef(env="LOTEDGE_TEST_PW").resolve() == "from-env"
    with pytest.raises(ValueError, match="exactly one"):
        SecretRef()
    with pytest.raises(ValueError, match="LOTEDGE_MISSING is not set"):
        SecretRef(env="LOTEDGE_MISSING").resolve()


def test_config_check_cli(tmp_path: Path):
    good = lotedge("config", "check", str(EXAMPLE_CONFIG))
    assert good.returncode == 0 and "ok (3 materials, 2 products" in good.stdout
    path = write_config(tmp_path, replace={'line = "L1"': 'lin = "L1"'})
    bad = lotedge("config", "check", str(path))
    assert bad.returncode == 1
    assert "identity.lin: unknown key (hint: did you mean 'line'?)" in bad.stderr
    assert "identity.line: required key is missing" in bad.stderr


def test_secret_files_resolve_against_the_config_directory(tmp_path: Path):
    (tmp_path / "mqtt.pass").write_text("s3cret\n")
    path = write_config(
        tmp_path,
        extra='[mqtt]\nhost = "127.0.0.1"\nusername = "line"\npassword = { file = "mqtt.pass" }\n',
    )
    config = load_config(path)
    assert config.mqtt is not None and config.mqtt.password is not None
    assert config.mqtt.password.resolve() == "s3cret"


def test_config_check_reports_a_missing_secret(tmp_path: Path):
    path = write_config(
        tmp_path,
        extra='[mqtt]\nhost = "127.0.0.1"\nusername = "line"\n'
        'password = { env = "LOTEDGE_TEST_NO_SUCH_VAR" }\n',
    )
    result = lotedge("config", "check", str(path))
    assert result.returncode == 1
    assert (
        "mqtt.password: environment variable LOTEDGE_TEST_NO_SUCH_VAR is not set" in result.stderr
    )


def test_internal_lot_template_is_checked_like_product_ones(tmp_path: Path):
    """{product} in an internal lot is the material code: checked with the longest one."""
    extra = (
        '[receiving]\nlot_template = "R{product}{yy}{julian}{seq:6}"\n'
        '[[materials]]\ncode = "PASTRY-FLOUR-T45"\nname = "Pastry flour"\n'
    )
    found = problems_of(write_config(tmp_path, extra=extra))
    assert any(p.startswith("receiving.lot_template:") and "at most 20" in p for p in found), found
    monthly = '[receiving]\nlot_template = "R{yy}{seq:4}"\nseq_reset = "monthly"\n'
    found = problems_of(write_config(tmp_path, extra=monthly))
    assert any(
        p.startswith("receiving.lot_template:") and "does not tell periods apart" in p
        for p in found
    ), found
    assert problems_of(write_config(tmp_path, extra='[receiving]\nrole = "gate"\n'))
