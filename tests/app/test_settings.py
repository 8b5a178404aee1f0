from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from app.settings import InvalidSettings, Settings, load_settings


def test_no_file_gives_the_legal_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "settings.toml")
    assert settings == Settings()
    assert settings.calling.max_attempts_per_period == 4
    assert settings.calling.refusal_quiet_days == 60
    assert settings.calling.calling_windows == ((time(10), time(13)), (time(14), time(20)))


def test_file_overrides_named_settings(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(
        "[calling]\nmax_attempts_per_period = 3\ncalling_weekdays = [1, 2, 3, 4]\n"
        'calling_windows = [["10:30", "12:30"]]\nconsented_slot_tolerance_minutes = 15\n'
        "[queue]\nfreshness_half_life_hours = 12\nreference_budget_eur = 20000\n",
        encoding="utf-8",
    )
    settings = load_settings(path)
    assert settings.calling.max_attempts_per_period == 3
    assert settings.calling.calling_weekdays == frozenset({0, 1, 2, 3})
    assert settings.calling.calling_windows == ((time(10, 30), time(12, 30)),)
    assert settings.calling.consented_slot_tolerance == timedelta(minutes=15)
    assert settings.calling.refusal_quiet_days == 60
    assert settings.queue.freshness_half_life_hours == 12
    assert settings.queue.reference_budget_cents == 2_000_000


@pytest.mark.parametrize(
    "text",
    [
        "[calling]\nmax_attempts = 3\n",
        '[calling]\ncalling_windows = [["14:00", "10:00"]]\n',
        "[calling]\ncalling_weekdays = [8]\n",
        "[queue]\nhalf_life = 3\n",
        "not toml = = =",
    ],
)
def test_bad_files_are_refused_with_a_message(tmp_path: Path, text: str) -> None:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidSettings) as error:
        load_settings(path)
    assert str(error.value)


def test_dispatch_rules_are_settings_too(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text("[dispatch]\nmax_providers_per_lead = 4\ndispute_window_days = 14\n")
    settings = load_settings(path)
    assert settings.dispatch.max_providers_per_lead == 4
    assert settings.dispatch.dispute_window_days == 14
    assert Settings().dispatch.dispute_window_days == 30
    for bad in ("[dispatch]\ndispute_window_days = 0\n", "[dispatch]\nwindow = 3\n"):
        path.write_text(bad)
        with pytest.raises(InvalidSettings):
            load_settings(path)


def test_the_server_reads_its_dispatch_rules_from_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from server.config import ServerConfig

    monkeypatch.setenv("CRM_DISPUTE_WINDOW_DAYS", "21")
    config = ServerConfig.from_environment()
    assert config.dispatch.dispute_window_days == 21
    assert config.dispatch.max_providers_per_lead == 3


def test_our_company_comes_from_the_settings_file_with_checked_numbers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app.settings import InvalidSettings, load_settings

    path = tmp_path / "settings.toml"
    path.write_text(
        '[company]\nname = "Leads & Co SAS"\nshare_capital_eur = 12500.50\n'
        'siren = "732 829 320"\nbank_iban = "FR76 3000 4000 0312 3456 7890 143"\n'
        'sepa_creditor_id = "fr72 zzz 123456"\n',
        encoding="utf-8",
    )
    company = load_settings(path).letterhead
    assert company.name == "Leads & Co SAS" and company.share_capital_cents == 1_250_050
    assert company.siren == "732829320"
    assert company.bank_iban == "FR7630004000031234567890143"
    assert company.sepa_creditor_id == "FR72ZZZ123456"
    assert company.rcs_city == "Paris"  # what the file does not say keeps its default
    path.write_text('[company]\nsiren = "732829321"\n', encoding="utf-8")
    with pytest.raises(InvalidSettings, match="SIREN invalide"):
        load_settings(path)
    for ics in ("FR12ZZZ123456", "XX", "FR72ZZZ12345"):  # wrong check digits, too short
        path.write_text(f'[company]\nsepa_creditor_id = "{ics}"\n', encoding="utf-8")
        with pytest.raises(InvalidSettings, match="ICS"):
            load_settings(path)
    path.write_text('[company]\nbank_iban = "TR330006100519786457841326"\n', encoding="utf-8")
    with pytest.raises(InvalidSettings, match="SEPA"):
        load_settings(path)
    path.write_text('[company]\nslogan = "x"\n', encoding="utf-8")
    with pytest.raises(InvalidSettings, match="inconnu"):
        load_settings(path)
