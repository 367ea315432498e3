"""Export files in every shape the importer accepts, and the ones it refuses."""

import io
import json
import zipfile

import pytest

from lib.sources.files import MAX_COMPRESSION_RATIO, FileFormatError, read_export
from lib.sources.ingest import import_file
from lib.store.local import Store

CSV = "uniqueId,messageContent,locationCountry\n1_1,hello,NA\n1_2,bye,\n"


def zipped(files: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_zip_holding_one_csv():
    raw = read_export(zipped({"Social mentions.csv": CSV.encode()}), "export.zip")
    assert raw.format == "csv" and raw.frame["locationCountry"].tolist() == ["NA", ""]


@pytest.mark.parametrize(
    "files,message",
    [
        ({"a.csv": b"x", "b.csv": b"y"}, "holds 2 files"),
        ({"../../etc/evil.csv": CSV.encode()}, "unsafe path"),
        ({"/abs.csv": CSV.encode()}, "unsafe path"),
        ({"bomb.csv": b"0" * (MAX_COMPRESSION_RATIO * 20_000)}, "zip bomb"),
    ],
)
def test_refused_archives(files, message):
    with pytest.raises(FileFormatError, match=message):
        read_export(zipped(files), "upload.zip")


def test_a_broken_zip():
    with pytest.raises(FileFormatError, match="cannot be opened"):
        read_export(b"PK\x03\x04 not really", "x.zip")


def test_qualtrics_json_responses_use_the_values():
    doc = {
        "responses": [
            {
                "responseId": "R_1",
                "values": {"uniqueId": "1_1", "messageLanguage": "EN", "locationCountry": "NA"},
                "labels": {"messageLanguage": "English"},
            },
            {"responseId": "R_2", "values": {"uniqueId": "1_2", "QID1": 3}},
        ]
    }
    raw = read_export(json.dumps(doc).encode(), "export.json")
    assert raw.format == "json"
    assert raw.frame.to_dict("records") == [
        {"uniqueId": "1_1", "messageLanguage": "EN", "locationCountry": "NA", "responseId": "R_1", "QID1": ""},
        {"uniqueId": "1_2", "messageLanguage": "", "locationCountry": "", "responseId": "R_2", "QID1": "3"},
    ]


def test_ndjson_reports_a_bad_line_and_keeps_the_rest(tmp_path):
    lines = [
        json.dumps({"unique_id": "1_1", "message": {"content": "<p>hi</p>"}, "location": {"country": "NA"}}),
        "{not json",
        "",
        json.dumps({"unique_id": "1_2", "message": {"content": "yo"}, "location": {"country_code": "de"}}),
    ]
    raw = read_export("\n".join(lines).encode(), "mentions.ndjson")
    assert raw.format == "ndjson" and raw.row_numbers == [1, 4]
    assert raw.bad_rows[0][0] == 2 and "not valid JSON" in raw.bad_rows[0][1]
    outcome = import_file(Store(tmp_path / "m.duckdb"), "\n".join(lines).encode(), "mentions.ndjson")
    assert outcome.result.rows_new == 2
    assert [line for line, _ in outcome.report.rejected] == [2]
    rows = Store(tmp_path / "m.duckdb").query(
        'SELECT "uniqueId", "locationCountry", "messageContent" FROM mentions ORDER BY 1'
    )
    assert rows.values.tolist() == [["1_1", "NA", "hi"], ["1_2", "DE", "yo"]]


def test_a_csv_row_with_too_many_fields_is_reported_by_line(tmp_path):
    data = "uniqueId,messageContent\n1_1,ok\n1_2,too,many\n1_3,fine\n,no key\n"
    outcome = import_file(Store(tmp_path / "m.duckdb"), data.encode(), "x.csv")
    assert outcome.result.rows_new == 2
    assert [line for line, _ in outcome.report.rejected] == [3, 5]
    assert "expected 2 fields" in outcome.report.rejected[0][1]


def test_webhook_mention_array_flattens_through_the_aliases(tmp_path):
    mention = {
        "id": "43769358878509009",
        "unique_id": "46283_43769358878509009",
        "message": {"language": "fr", "sentiment": "negative", "content": "Bonjour &amp; <b>merci</b>"},
        "source": {"category": "social", "type": "SearchProviderTwitter", "service": "twitter"},
        "topic": {"id": 46283, "name": "CEO's"},
        "status": "new",
        "date": {"added": 1668629719},
        "tags": ["FR", "Smart"],
        "author": {"id": 3313939576, "managed": False, "name": "jdupont"},
        "location": {"continent_code": "EU", "country_code": "FR"},
    }
    store = Store(tmp_path / "m.duckdb")
    import_file(store, json.dumps([mention]).encode(), "webhook.json")
    row = store.query("SELECT * FROM mentions").iloc[0]
    assert (row["uniqueId"], row["topicName"], row["authorName"], row["locationCountry"]) == (
        "46283_43769358878509009",
        "CEO's",
        "jdupont",
        "FR",
    )
    assert list(row["tags"]) == ["FR", "Smart"] and row["messageContent"] == "Bonjour & merci"
    assert str(row["dateAdded"]) == "2022-11-16 20:15:19"
