"""Module body problems: `:::` blocks, links and images, raw HTML; each with its exact line."""

from __future__ import annotations

from pathlib import Path

from app.content.validator import validate_pack
from tests.content.packbuilder import PackBuilder, assert_has, assert_only, describe

JOBS = "modules/01-two-jobs.md"  # body starts at line 14; the exercise opens at line 18
LISTEN = "modules/02-listening.md"  # body is the single line 14
LISTEN_BODY = "Listening is half the job. See [the first module](modules/01-two-jobs.md).\n"


def with_listening_body(pack: PackBuilder, body: str) -> PackBuilder:
    """Replace the listening module's body (which starts at line 14)."""
    return pack.edit(LISTEN, LISTEN_BODY, body)


def test_unclosed_block(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "Ask: what surprised you?\n:::\n", "Ask: what surprised you?\n")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, JOBS, 22, "'facilitator' block is never closed with ':::'")


def test_unclosed_block_mentions_open_code_fence(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "List three things your client cared about.\n", "```\ncode\n")
    problems = validate_pack(pack.write(tmp_path))
    assert_has(problems, JOBS, 18, "(a code fence opened at line 19 is still open)")


def test_unknown_block(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "::: exercise lines=4", "::: warning")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, JOBS, 18, "unknown block 'warning' (expected exercise or facilitator)")


def test_nested_block(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "Ask: what surprised you?\n", "::: exercise\nInner task.\n:::\n")
    problems = validate_pack(pack.write(tmp_path))
    # One error for the nesting; the inner closer is not also reported as stray.
    assert_only(problems, JOBS, 23, "blocks do not nest: 'exercise' opened inside the facilitator")


def test_unknown_block_attribute(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "::: exercise lines=4", "::: exercise rows=4")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, JOBS, 18, "unknown attribute 'rows' for a exercise block")


def test_block_attribute_out_of_range(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "::: exercise lines=4", "::: exercise lines=41")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, JOBS, 18, "lines=41: expected a whole number from 0 to 40")


def test_block_attribute_not_a_number(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "::: facilitator minutes=10", "::: facilitator minutes=ten")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, JOBS, 22, "minutes=ten: expected a whole number from 1 to 480")


def test_block_attribute_without_value(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "::: facilitator minutes=10", "::: facilitator long")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, JOBS, 22, "bad block attribute 'long' (expected key=value)")


def test_stray_block_closer(pack: PackBuilder, tmp_path: Path) -> None:
    pack.set(JOBS, str(pack.files[JOBS]) + "\n:::\n")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, JOBS, 26, "':::' closes no block")


def test_block_markers_inside_code_fences_are_text(pack: PackBuilder, tmp_path: Path) -> None:
    with_listening_body(pack, "Example:\n\n```\n::: exercise lines=99\n:::\n:::\n```\n")
    problems = validate_pack(pack.write(tmp_path))
    assert problems == [], describe(problems)


def test_missing_image(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "(assets/diagram.svg)", "(assets/diagam.svg)")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, JOBS, 16, "image target 'assets/diagam.svg' is not a file in the pack")


def test_link_paths_are_case_sensitive(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "(assets/diagram.svg)", "(Assets/diagram.svg)")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, JOBS, 16, "'Assets/diagram.svg' is not a file in the pack")


def test_link_on_second_line_of_paragraph(pack: PackBuilder, tmp_path: Path) -> None:
    with_listening_body(
        pack, "First line of the paragraph,\nthen a [handout](assets/handout.pdf).\n"
    )
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, LISTEN, 15, "link target 'assets/handout.pdf' is not a file in the pack")


def test_link_in_table_cell(pack: PackBuilder, tmp_path: Path) -> None:
    table = "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | [x](assets/x.pdf) |\n"
    with_listening_body(pack, table)
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, LISTEN, 17, "link target 'assets/x.pdf'")


def test_link_inside_exercise_block(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "List three things", "See ![map](assets/map.png). List three things")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, JOBS, 19, "image target 'assets/map.png'")


def test_reference_link_defined_in_another_segment(pack: PackBuilder, tmp_path: Path) -> None:
    pack.edit(JOBS, "List three things", "Read [the brief][brief]. List three things")
    pack.set(JOBS, str(pack.files[JOBS]) + "\n[brief]: assets/brief.pdf\n")
    problems = validate_pack(pack.write(tmp_path))
    # Reported where the reference is used (in the exercise), since that is what renders.
    assert_only(problems, JOBS, 19, "link target 'assets/brief.pdf'")


def test_link_escaping_the_pack(pack: PackBuilder, tmp_path: Path) -> None:
    with_listening_body(pack, "Intro.\n\nSee [notes](assets/../../other-pack/course.yaml).\n")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, LISTEN, 16, "points outside the pack")


def test_absolute_link_is_outside_the_pack(pack: PackBuilder, tmp_path: Path) -> None:
    with_listening_body(pack, "![x](/etc/passwd)\n")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, LISTEN, 14, "image '/etc/passwd' points outside the pack")


def test_encoded_paths_and_fragments_resolve(pack: PackBuilder, tmp_path: Path) -> None:
    pack.set("assets/my chart.svg", "<svg/>\n")
    with_listening_body(pack, "![c](assets/my%20chart.svg) [c](<assets/my chart.svg#part>)\n")
    problems = validate_pack(pack.write(tmp_path))
    assert problems == [], describe(problems)


def test_external_links_anchors_and_mail_are_ignored(pack: PackBuilder, tmp_path: Path) -> None:
    body = "[a](https://example.org/x) [b](http://example.org) [c](#top) [d](mailto:a@b.org)\n"
    with_listening_body(pack, body + "<https://example.org/auto>\n")
    problems = validate_pack(pack.write(tmp_path))
    assert problems == [], describe(problems)


def test_disallowed_scheme_is_a_warning(pack: PackBuilder, tmp_path: Path) -> None:
    with_listening_body(pack, "Get it by [FTP](ftp://example.org/file).\n")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, LISTEN, 14, "uses 'ftp:', which the sanitiser removes", "warning")


def test_raw_script_is_a_warning(pack: PackBuilder, tmp_path: Path) -> None:
    with_listening_body(pack, "Intro.\n\n<script>alert(1)</script>\n")
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, LISTEN, 16, "raw HTML <script> is removed by the sanitiser", "warning")


def test_raw_event_handler_is_a_warning(pack: PackBuilder, tmp_path: Path) -> None:
    body = 'Intro line\nand <img src="assets/diagram.svg" onerror="alert(1)"> here.\n'
    with_listening_body(pack, body)
    problems = validate_pack(pack.write(tmp_path))
    assert_only(problems, LISTEN, 15, "attribute 'onerror' on raw HTML <img> is removed", "warning")


def test_raw_html_block_reports_each_line(pack: PackBuilder, tmp_path: Path) -> None:
    with_listening_body(
        pack, '<div>\n<p onclick="go()">Hi</p>\n<img src="assets/gone.png">\n</div>\n'
    )
    problems = validate_pack(pack.write(tmp_path))
    assert len(problems) == 3, describe(problems)
    assert_has(problems, LISTEN, 14, "raw HTML <div> is removed", "warning")
    assert_has(problems, LISTEN, 15, "attribute 'onclick' on raw HTML <p>", "warning")
    assert_has(problems, LISTEN, 16, "image target 'assets/gone.png' is not a file")


def test_safe_raw_html_and_comments_pass(pack: PackBuilder, tmp_path: Path) -> None:
    with_listening_body(pack, "Press <kbd>Ctrl</kbd>+<kbd>C</kbd>.\n\n<!-- note for authors -->\n")
    problems = validate_pack(pack.write(tmp_path))
    assert problems == [], describe(problems)


def test_warnings_keep_the_pack_valid_but_are_printed(pack: PackBuilder, tmp_path: Path) -> None:
    with_listening_body(pack, '<span style="color:red">Red</span>\n')
    problems = validate_pack(pack.write(tmp_path))
    problem = assert_only(problems, LISTEN, 14, "attribute 'style' on raw HTML <span>", "warning")
    assert str(problem).endswith(
        f"{LISTEN}:14: warning: attribute 'style' on raw HTML <span> is removed by the sanitiser"
    )
