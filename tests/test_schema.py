import pytest

from lib.mentions.schema import FIELDS, FIELDS_BY_NAME, SOURCE_SERVICES, canonical_name, is_known

# The seed's "Common Social Connect Fields" table, written out again by hand: name, piped text, field type.
SEED_TABLE = [
    ("id", "~{aed://id}", "Text Value"),
    ("uniqueId", "~{aed://unique_id}", "Text Value"),
    ("authorName", "~{aed://author.name}", "Text Value"),
    ("authorFullname", "~{aed://author.fullname}", "Text Value"),
    ("authorId", "~{aed://author.id}", "Text Value"),
    ("originalAuthorName", "~{aed://original_author.name}", "Text Value"),
    ("originalAuthorFullname", "~{aed://original_author.fullname}", "Text Value"),
    ("originalAuthorId", "~{aed://original_author.id}", "Text Value"),
    ("messageTitle", "~{aed://message.title}", "Open Text"),
    ("messageContent", "~{aed://message.content}", "Open Text"),
    ("messageLanguage", "~{aed://message.language}", "Text Set"),
    ("messageSentiment", "~{aed://message.sentiment}", "Text Set"),
    ("messageType", "~{aed://message.type}", "Text Set"),
    ("sourceCategory", "~{aed://source.category}", "Text Set"),
    ("sourceService", "~{aed://source.service}", "Text Set"),
    ("sourceType", "~{aed://source.type}", "Text Set"),
    ("sourceId", "~{aed://source.id}", "Text Value"),
    ("sourceUrl", "~{aed://source.url}", "Text Value"),
    ("locationContinent", "~{aed://location.continent}", "Text Set"),
    ("locationCountry", "~{aed://location.country}", "Text Set"),
    ("locationCity", "~{aed://location.city}", "Text Value"),
    ("locationRegion", "~{aed://location.region}", "Text Value"),
    ("tags", "~{aed://tags}", "Multi-Answer Text Set"),
    ("topicId", "~{aed://topic.id}", "Text Value"),
    ("topicName", "~{aed://topic.name}", "Text Value"),
    ("status", "~{aed://status}", "Text Set"),
    ("permalink", "~{aed://permalink}", "Text Value"),
    ("dateAdded", "~{aed://date.added}", "Text Value"),
    ("datePublished", "~{aed://date.published}", "Text Value"),
    ("priority", "~{aed://priority}", "Text Set"),
]


def test_schema_is_the_seed_table_in_order_with_tags_once():
    assert [f.name for f in FIELDS] == [row[0] for row in SEED_TABLE]
    assert sum(f.name == "tags" for f in FIELDS) == 1


@pytest.mark.parametrize("name,piped,kind", SEED_TABLE)
def test_each_field_has_the_seed_path_and_type(name, piped, kind):
    assert FIELDS_BY_NAME[name].piped_text == piped
    assert FIELDS_BY_NAME[name].dashboard_type == kind


def test_tags_note_keeps_the_webhook_warning():
    assert "not sent through webhooks" in FIELDS_BY_NAME["tags"].notes


@pytest.mark.parametrize(
    "spelling,expected",
    [
        ("uniqueId", "uniqueId"),
        ("unique_id", "uniqueId"),
        ("UNIQUE_ID", "uniqueId"),
        ("\ufeffuniqueId", "uniqueId"),
        ("author.name", "authorName"),
        ("author_name", "authorName"),
        ("message.content", "messageContent"),
        ("message_content", "messageContent"),
        ("location.country", "locationCountry"),
        ("location.country_code", "locationCountry"),
        ("location_country_code", "locationCountry"),
        ("location.continent_code", "locationContinent"),
        ("date.published", "datePublished"),
        ("date_published", "datePublished"),
        ("date.added", "dateAdded"),
        ("original_author.fullname", "originalAuthorFullname"),
        ("~{aed://source.url}", "sourceUrl"),
        ("Q2 - Topics", None),
        ("ResponseId", None),
    ],
)
def test_aliases(spelling, expected):
    assert canonical_name(spelling) == expected


def test_seed_enumerations_are_known():
    assert len(SOURCE_SERVICES) == 44
    assert is_known("sourceService", "gominga_shops")
    assert is_known("messageType", "user_favorite")
    assert is_known("sourceType", "SearchProviderLinkedInCompaniesV2")
    assert not is_known("sourceService", "mastodon")
