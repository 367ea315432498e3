import gzip
from pathlib import Path

import pytest

from lib.sources.files import FileFormatError, read_delimited
from lib.sources.ingest import NoMentionFields, import_file
from lib.store.local import Store

FIXTURES = Path(__file__).parent / "fixtures"
ONE_HEADER = "uniqueId,messageContent,locationCountry\n1_1,hello,NA\n1_2,bye,\n"
THREE_HEADERS = (
    "uniqueId,messageContent,locationCountry\n"
    "Unique ID,Message,Country\n"
    '"{""ImportId"":""uniqueId""}","{""ImportId"":""messageContent""}","{""ImportId"":""locationCountry""}"\n'
    "1_1,hello,NA\n1_2,bye,\n"
)


@pytest.mark.parametrize(
    "data,header_rows",
    [
        (ONE_HEADER.encode(), 1),
        (b"\xef\xbb\xbf" + ONE_HEADER.encode(), 1),
        (THREE_HEADERS.encode(), 3),
        (b"\xef\xbb\xbf" + THREE_HEADERS.encode(), 3),
        (gzip.compress(THREE_HEADERS.encode()), 3),
        (ONE_HEADER.replace(",", "\t").encode(), 1),
    ],
)
def test_read_delimited_variants(data, header_rows):
    raw = read_delimited(data)
    assert raw.header_rows == header_rows
    assert raw.first_data_line == (2 if header_rows == 1 else 4)
    assert list(raw.frame.columns) == ["uniqueId", "messageContent", "locationCountry"]
    assert raw.frame["locationCountry"].tolist() == ["NA", ""]


def test_not_utf8_says_how_to_fix_it():
    with pytest.raises(FileFormatError, match="UTF-8"):
        read_delimited("uniqueId\nGr\xfc\xdfe\n".encode("latin-1"))


def test_empty_file():
    with pytest.raises(FileFormatError, match="empty"):
        read_delimited(b"")


def test_survey_export_is_recognised_and_refused_with_a_reason(tmp_path):
    store = Store(tmp_path / "m.duckdb")
    with pytest.raises(NoMentionFields, match="none of the Social Connect mention fields"):
        import_file(store, (FIXTURES / "qualtrics-export-sample.csv").read_bytes(), "sample.csv")
    assert store.version() == ""


def test_import_reports_rejected_rows_with_file_lines(tmp_path):
    store = Store(tmp_path / "m.duckdb")
    data = THREE_HEADERS + ",no key,US\n1_3,third,DE\n"
    outcome = import_file(store, data.encode(), "x.csv")
    assert outcome.result.rows_new == 3
    assert outcome.report.rejected == [(6, "no uniqueId (nor topicId and id to build one)")]
    assert store.log().loc[0, "rows_rejected"] == 1
