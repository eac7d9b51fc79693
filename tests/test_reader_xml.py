"""XML reader: arXiv Atom API responses, OAI-PMH (arXiv and oai_dc), malformed input."""

from __future__ import annotations

from enrich.readers.base import ReadOptions, ReadResult
from enrich.readers.xmlfeed import READER, XmlReader

ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?search_query%3Dall%3Aqlora%26start%3D0%26max_results%3D2"
        rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: search_query=all:qlora&amp;start=0&amp;max_results=2</title>
  <id>http://arxiv.org/api/Vf5wq7pX0P7a3c3RzYbQ7e2kQ7c</id>
  <updated>2024-01-10T00:00:00-05:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">51</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">0</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">2</opensearch:itemsPerPage>
  <entry>
    <id>http://arxiv.org/abs/2305.14314v1</id>
    <updated>2023-05-23T17:50:33Z</updated>
    <published>2023-05-23T17:50:33Z</published>
    <title>QLoRA: Efficient Finetuning of Quantized LLMs</title>
    <summary>  We present QLoRA, an efficient finetuning approach that reduces memory usage
enough to finetune a 65B parameter model on a single 48GB GPU while preserving
full 16-bit finetuning task performance. We release all of our models and code,
including CUDA kernels for 4-bit training: https://github.com/artidoro/qlora.
</summary>
    <author>
      <name>Tim Dettmers</name>
      <arxiv:affiliation xmlns:arxiv="http://arxiv.org/schemas/atom"
        >University of Washington</arxiv:affiliation>
    </author>
    <author>
      <name>Artidoro Pagnoni</name>
    </author>
    <arxiv:comment xmlns:arxiv="http://arxiv.org/schemas/atom">NeurIPS 2023</arxiv:comment>
    <link href="http://arxiv.org/abs/2305.14314v1" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/2305.14314v1" rel="related"
          type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
  <entry>
    <id>http://arxiv.org/abs/2305.14336v2</id>
    <updated>2023-10-02T09:12:01Z</updated>
    <published>2023-05-23T17:55:33Z</published>
    <title>Schema-Driven Information Extraction from Heterogeneous Tables</title>
    <summary>  In this paper, we explore the question of whether large language models can
support cost-efficient information extraction from tables.
</summary>
    <author>
      <name>Fan Bai</name>
    </author>
    <arxiv:doi xmlns:arxiv="http://arxiv.org/schemas/atom">10.18653/v1/2024.findings-emnlp.600</arxiv:doi>
    <link title="doi" href="http://dx.doi.org/10.18653/v1/2024.findings-emnlp.600" rel="related"/>
    <link href="http://arxiv.org/abs/2305.14336v2" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/2305.14336v2" rel="related"
          type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
    <category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
</feed>
"""

OAI_ARXIV = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
 xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">
<responseDate>2024-01-10T12:00:00Z</responseDate>
<request verb="ListRecords" metadataPrefix="arXiv" set="cs">http://export.arxiv.org/oai2</request>
<ListRecords>
<record>
<header>
 <identifier>oai:arXiv.org:2305.14336</identifier>
 <datestamp>2023-10-03</datestamp>
 <setSpec>cs</setSpec>
</header>
<metadata>
 <arXiv xmlns="http://arxiv.org/OAI/arXiv/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://arxiv.org/OAI/arXiv/ http://arxiv.org/OAI/arXiv.xsd">
 <id>2305.14336</id><created>2023-05-23</created><updated>2023-10-02</updated><authors>
 <author><keyname>Bai</keyname><forenames>Fan</forenames><affiliation>Georgia Tech</affiliation>
 </author><author><keyname>Kang</keyname><forenames>Junmo</forenames></author></authors>
 <title>Schema-Driven Information Extraction from Heterogeneous
  Tables</title><categories>cs.CL cs.AI</categories><comments>Findings of EMNLP 2024</comments>
 <doi>10.18653/v1/2024.findings-emnlp.600</doi>
 <license>http://creativecommons.org/licenses/by/4.0/</license><abstract>  In this paper, we
explore the question of whether large language models can
support cost-efficient information extraction from tables.
</abstract></arXiv>
</metadata>
</record>
<record>
<header status="deleted">
 <identifier>oai:arXiv.org:2301.00001</identifier>
 <datestamp>2023-02-01</datestamp>
</header>
</record>
<resumptionToken cursor="0" completeListSize="3">6960524|1001</resumptionToken>
</ListRecords>
</OAI-PMH>
"""

OAI_DC = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2024-01-10T12:00:00Z</responseDate>
<request verb="GetRecord" identifier="oai:arXiv.org:2305.14314" metadataPrefix="oai_dc">http://export.arxiv.org/oai2</request>
<GetRecord>
<record>
<header><identifier>oai:arXiv.org:2305.14314</identifier><datestamp>2023-05-24</datestamp><setSpec>cs</setSpec></header>
<metadata>
<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>QLoRA: Efficient Finetuning of Quantized LLMs</dc:title>
<dc:creator>Dettmers, Tim</dc:creator>
<dc:creator>Pagnoni, Artidoro</dc:creator>
<dc:subject>Computer Science - Machine Learning</dc:subject>
<dc:description>  We present QLoRA, an efficient finetuning approach that reduces memory
usage.</dc:description>
<dc:description>Comment: Code at https://github.com/artidoro/qlora</dc:description>
<dc:date>2023-05-23</dc:date>
<dc:type>text</dc:type>
<dc:identifier>http://arxiv.org/abs/2305.14314</dc:identifier>
</oai_dc:dc>
</metadata>
</record>
</GetRecord>
</OAI-PMH>
"""


def read(text: str, path: str = "feed.xml") -> ReadResult:
    return READER.read(text, path, ReadOptions())


def test_reader_identity() -> None:
    assert isinstance(READER, XmlReader)
    assert READER.name == "xml"
    assert READER.extensions == (".xml", ".atom")


def test_arxiv_atom_entries_map_every_field() -> None:
    result = read(ATOM)
    assert result.warnings == []
    qlora, schema = result.papers
    assert qlora.title == "QLoRA: Efficient Finetuning of Quantized LLMs"
    assert qlora.abstract.startswith("We present QLoRA, an efficient finetuning approach")
    assert "\n" not in qlora.abstract
    assert "memory usage enough to finetune" in qlora.abstract  # wrapped lines joined
    assert qlora.authors == ["Tim Dettmers", "Artidoro Pagnoni"]
    assert qlora.affiliations == ["University of Washington"]
    assert qlora.date == "2023-05-23"
    assert qlora.year == 2023
    assert qlora.category == "cs.LG"
    assert qlora.arxiv_id == "2305.14314"
    assert qlora.id == "arxiv:2305.14314"
    assert qlora.url == "http://arxiv.org/abs/2305.14314v1"
    assert qlora.code_urls == ["https://github.com/artidoro/qlora"]
    assert schema.arxiv_id == "2305.14336"
    assert schema.doi == "10.18653/v1/2024.findings-emnlp.600"
    assert schema.id == "doi:10.18653/v1/2024.findings-emnlp.600"
    assert schema.category == "cs.CL"


def test_atom_sources_have_format_and_entry_lines() -> None:
    qlora, schema = read(ATOM, "arxiv.atom").papers
    lines = ATOM.splitlines()
    assert [qlora.sources[0].line, schema.sources[0].line] == [11, 37]
    assert lines[11 - 1].strip() == lines[37 - 1].strip() == "<entry>"
    assert {s.format for s in qlora.sources + schema.sources} == {"atom"}
    assert qlora.sources[0].path == "arxiv.atom"


def test_arxiv_api_error_entry_becomes_a_warning() -> None:
    error_feed = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <entry>
    <id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.abc</id>
    <title>Error</title>
    <summary>incorrect id format for 1234.abc</summary>
  </entry>
</feed>
"""
    result = read(error_feed)
    assert result.papers == []
    assert len(result.warnings) == 1
    assert "incorrect id format for 1234.abc" in result.warnings[0].message
    assert result.warnings[0].line == 3


def test_oai_pmh_arxiv_metadata() -> None:
    result = read(OAI_ARXIV, "harvest.xml")
    assert result.warnings == []
    (paper,) = result.papers  # the deleted record is skipped
    assert paper.title == "Schema-Driven Information Extraction from Heterogeneous Tables"
    assert paper.abstract.startswith("In this paper, we explore")
    assert paper.authors == ["Fan Bai", "Junmo Kang"]
    assert paper.affiliations == ["Georgia Tech"]
    assert paper.arxiv_id == "2305.14336"
    assert paper.doi == "10.18653/v1/2024.findings-emnlp.600"
    assert paper.id == "doi:10.18653/v1/2024.findings-emnlp.600"
    assert paper.category == "cs.CL"
    assert paper.date == "2023-05-23"
    assert paper.year == 2023
    assert paper.url == "https://arxiv.org/abs/2305.14336"
    assert paper.sources[0].format == "oai"
    assert paper.sources[0].line == 8


def test_oai_pmh_arxiv_raw_versions_give_the_date() -> None:
    raw = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<GetRecord><record>
<header><identifier>oai:arXiv.org:hep-th/9901001</identifier></header>
<metadata>
<arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/">
<id>hep-th/9901001</id>
<version version="v1"><date>Fri, 1 Jan 1999 10:00:00 GMT</date></version>
<version version="v2"><date>Mon, 15 Mar 1999 12:00:00 GMT</date></version>
<title>A String Theory Paper</title>
<authors>J. Smith, A. Jones and others</authors>
<categories>hep-th</categories>
<abstract>We study strings.</abstract>
</arXivRaw>
</metadata>
</record></GetRecord>
</OAI-PMH>
"""
    (paper,) = read(raw).papers
    assert paper.arxiv_id == "hep-th/9901001"
    assert paper.id == "arxiv:hep-th/9901001"
    assert paper.date == "1999-01-01"
    assert paper.authors == ["J. Smith", "A. Jones"]
    assert paper.authors_truncated is True


def test_oai_dublin_core_record() -> None:
    (paper,) = read(OAI_DC).papers
    assert paper.title == "QLoRA: Efficient Finetuning of Quantized LLMs"
    assert paper.authors == ["Tim Dettmers", "Artidoro Pagnoni"]  # "Last, First" flipped
    assert paper.abstract == (
        "We present QLoRA, an efficient finetuning approach that reduces memory usage."
    )
    assert paper.arxiv_id == "2305.14314"
    assert paper.id == "arxiv:2305.14314"
    assert paper.date == "2023-05-23"
    assert paper.url == "http://arxiv.org/abs/2305.14314"
    assert paper.code_urls == ["https://github.com/artidoro/qlora"]  # from the Comment line
    assert paper.sources[0].format == "oai"


def test_oai_protocol_error_is_reported() -> None:
    text = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
  <responseDate>2024-01-10T12:00:00Z</responseDate>
  <error code="noRecordsMatch">No records match the request</error>
</OAI-PMH>
"""
    result = read(text)
    assert result.papers == []
    assert [w.message for w in result.warnings] == [
        "OAI-PMH error noRecordsMatch: No records match the request"
    ]


def test_truncated_xml_warns_with_line_and_keeps_complete_entries() -> None:
    truncated = "\n".join(ATOM.splitlines()[:45])
    result = read(truncated)
    assert [p.arxiv_id for p in result.papers] == ["2305.14314"]
    (warning,) = result.warnings
    assert warning.line == 45
    assert "malformed XML" in warning.message


def test_syntax_error_names_its_line() -> None:
    broken = '<?xml version="1.0"?>\n<feed>\n  <entry><title>x</titel></entry>\n</feed>\n'
    result = read(broken)
    assert result.papers == []
    assert [(w.line, "malformed XML" in w.message) for w in result.warnings] == [(3, True)]


def test_unknown_xml_shape_warns() -> None:
    result = read(
        '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>x</title></channel></rss>'
    )
    assert result.papers == []
    assert [w.message for w in result.warnings] == ["no Atom entries or OAI records found"]


def test_external_entities_are_never_resolved() -> None:
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        "<feed><entry><title>&x;</title><summary>s</summary></entry></feed>"
    )
    result = read(text)
    assert result.papers == []
    (warning,) = result.warnings
    assert warning.line == 3
    assert "undefined entity" in warning.message


def test_sniff() -> None:
    assert READER.sniff(ATOM)
    assert READER.sniff("\ufeff<?xml version='1.0'?><root/>")
    assert READER.sniff('<feed xmlns="http://www.w3.org/2005/Atom">')
    assert READER.sniff("  <OAI-PMH xmlns='http://www.openarchives.org/OAI/2.0/'>")
    assert not READER.sniff("@article{x, title={y}}")
    assert not READER.sniff("Title line\n\n<?xml is mentioned later")


def test_plain_atom_feed_without_arxiv_fields() -> None:
    text = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Lab blog</title>
  <entry>
    <id>tag:lab.example.org,2024:post-7</id>
    <title>Our New Parser</title>
    <author><name>Ada Lovelace</name></author>
    <updated>2024-02-01T10:00:00Z</updated>
    <content type="text">We describe a parser. Code: https://github.com/lab/parser</content>
  </entry>
</feed>
"""
    (paper,) = read(text).papers
    assert paper.title == "Our New Parser"
    assert paper.abstract.startswith("We describe a parser.")
    assert paper.arxiv_id is None
    assert paper.url is None  # a tag: URI is not a link
    assert paper.date == "2024-02-01"
    assert paper.code_urls == ["https://github.com/lab/parser"]
    assert paper.id.startswith("title:")


def test_record_elements_outside_oai_pmh_are_not_papers() -> None:
    marc = '<?xml version="1.0"?>\n<collection><record><leader>x</leader></record></collection>'
    result = read(marc)
    assert result.papers == []
    assert [w.message for w in result.warnings] == ["no Atom entries or OAI records found"]
