from pathlib import Path

import pytest

from catalog.types import default_document_types
from pipeline.config import load_config
from pipeline.errors import ConfigError, InputError
from pipeline.plan import plan_batch


def test_defaults_live_under_home(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SOHOA_HOME", str(tmp_path))
    cfg = load_config()
    assert cfg.catalog_config.url == f"sqlite:///{tmp_path}/catalog.db"
    assert cfg.store_config.url == f"file://{tmp_path}/warehouse"
    assert cfg.broker_url is None and cfg.agency == "000.00.00.H42"


def test_toml_then_environment(tmp_path: Path, monkeypatch):
    toml = tmp_path / "sohoa.toml"
    toml.write_text(
        'agency = "000.00.16.H42"\nagency_name = "UBND huyện Hoa Lư"\n[ocr]\npdf_dpi = 200\n', encoding="utf-8"
    )
    monkeypatch.setenv("SOHOA_CONFIG", str(toml))
    cfg = load_config()
    assert cfg.agency == "000.00.16.H42" and cfg.ocr.pdf_dpi == 200 and cfg.agency_name == "UBND huyện Hoa Lư"
    monkeypatch.setenv("SOHOA_AGENCY", "000.00.17.H42")
    monkeypatch.setenv("SOHOA_OCR__PDF_DPI", "250")
    cfg = load_config()
    assert cfg.agency == "000.00.17.H42" and cfg.ocr.pdf_dpi == 250


@pytest.mark.parametrize("content", ['agency = "H42"\n', "no_such_setting = 1\n", "[ocr]\npdf_dpi = 5\n"])
def test_invalid_configuration_is_reported(tmp_path: Path, monkeypatch, content):
    toml = tmp_path / "bad.toml"
    toml.write_text(content)
    monkeypatch.setenv("SOHOA_CONFIG", str(toml))
    with pytest.raises(ConfigError):
        load_config()


def test_missing_config_file(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("SOHOA_CONFIG", str(tmp_path / "absent.toml"))
    with pytest.raises(ConfigError):
        load_config()


def test_discovery_skips_hidden_and_manifest(tmp_path: Path):
    (tmp_path / "a.png").write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.jpg").write_bytes(b"x")
    (tmp_path / ".hidden.png").write_bytes(b"x")
    outside = tmp_path.parent / "outside.png"
    outside.write_bytes(b"x")
    (tmp_path / "link.png").symlink_to(outside)
    items, unlisted = plan_batch(tmp_path, None, default_document_types())
    assert [i.input for i in items] == ["a.png", "link.png", "sub/b.jpg"]
    assert items[1].problem and items[1].problem[0] == "outside_input"
    assert unlisted == []


def test_manifest_rows(tmp_path: Path):
    (tmp_path / "a.png").write_bytes(b"x")
    (tmp_path / "b.png").write_bytes(b"x")
    (tmp_path / "c.png").write_bytes(b"x")
    (tmp_path.parent / "secret.png").write_bytes(b"x")
    (tmp_path / "manifest.csv").write_text(
        "\ufefffile;dossier;kind;owner_id;procedure;type;agency\n"
        "a.png|b.png;000.00.16.H42-230515-0003;component;037096014589;1.001193;TK;000.00.16.H42\n"
        "../secret.png;;;;;;\n"
        "missing.png;;;;;;\n"
        "a.png;;;123;;;\n"
        "a.png;;;;;NOPE;\n"
        "a.png;;other;;;;\n",
        encoding="utf-8",
    )
    items, unlisted = plan_batch(tmp_path, None, default_document_types())
    assert items[0].problem is None and len(items[0].files) == 2
    assert items[0].declared.owner_id == "037096014589" and items[0].declared.type_code == "TK"
    assert [i.problem[0] for i in items[1:]] == [
        "outside_input",
        "missing_file",
        "invalid_code",
        "bad_input",
        "bad_input",
    ]
    assert unlisted == ["c.png"]


def test_manifest_without_file_column(tmp_path: Path):
    (tmp_path / "manifest.csv").write_text("name,owner\nx,y\n")
    with pytest.raises(InputError):
        plan_batch(tmp_path, None, default_document_types())
    with pytest.raises(InputError):
        plan_batch(tmp_path / "absent", None, default_document_types())


def test_environment_settings_nested_json_and_precedence(tmp_path: Path, monkeypatch):
    from pipeline.config import AppConfig

    toml = tmp_path / "sohoa.toml"
    toml.write_text('[queue]\nlease_s = 50\nmax_retries = 2\n[signing]\nlevel = "B-T"\n', encoding="utf-8")
    monkeypatch.setenv("SOHOA_CONFIG", str(toml))
    monkeypatch.setenv("sohoa_queue__max_retries", "9")  # names are case-insensitive
    monkeypatch.setenv("SOHOA_SIGNING__CHAIN_PATHS", '["/etc/ca/a.pem", "/etc/ca/b.pem"]')  # JSON for a list
    monkeypatch.setenv("SOHOA_SIGNING_PASSPHRASE", "secret")  # a secret, not a setting: left alone
    monkeypatch.setenv("SOHOA_TIMEZONE", "Asia/Bangkok")
    cfg = AppConfig(queue={"lease_s": 70})
    # given > environment > file, section by section
    assert (cfg.queue.lease_s, cfg.queue.max_retries, cfg.signing.level) == (70, 9, "B-T")
    assert cfg.signing.chain_paths == (Path("/etc/ca/a.pem"), Path("/etc/ca/b.pem"))
    # the one time zone reaches every section that needs it
    assert cfg.timezone == cfg.catalog.timezone == cfg.queue.timezone == cfg.signing.timezone == "Asia/Bangkok"


def test_an_older_section_time_zone_still_counts(monkeypatch):
    monkeypatch.setenv("SOHOA_QUEUE__TIMEZONE", "Asia/Bangkok")
    cfg = load_config()
    assert cfg.timezone == cfg.signing.timezone == "Asia/Bangkok"
