"""The noise flagger against the seed gold (every noise segment, every content segment) and
crafted cases per flag, negatives included. Segment lists come from the gold segmentation files,
so these tests do not depend on the segmenter."""

from __future__ import annotations

import pytest

from corpus.errors import ConfigError
from corpus.flags import (
    DROP_BY_DEFAULT,
    FLAGS,
    boilerplate_keys,
    ends_sentence,
    flag_batch,
    flag_document,
    paragraph_key,
    syllables,
)
from tests.shared_data import SEED_IDS as SEEDS
from tests.shared_data import SEEDS as SEED_DIR
from tests.shared_data import gold_paragraphs, noise_rows

SPEAKER_LABELS = {"Phóng viên:", "Trung tướng Tô Ân Xô:", "Trung tướng Tô Ân Xô"}


def paragraph_lines(seed: str) -> list[int]:
    """Source line (1-based) of each gold paragraph: every non-blank seed line is one."""
    text = (SEED_DIR / f"{seed}.txt").read_text(encoding="utf-8")
    return [n for n, line in enumerate(text.split("\n"), start=1) if line.strip()]


@pytest.mark.parametrize(("seed", "n_noise", "n_content"), [(SEEDS[0], 2, 8), (SEEDS[1], 20, 33)])
def test_seed_flags_match_gold_exactly(seed: str, n_noise: int, n_content: int) -> None:
    paragraphs = gold_paragraphs(seed)
    lines = paragraph_lines(seed)
    assert len(lines) == len(paragraphs)
    speaker = [[s in SPEAKER_LABELS for s in p] for p in paragraphs]
    got = flag_document(paragraphs, speaker)

    expected: dict[tuple[int, str], str] = {}
    for row in noise_rows(seed):
        if row["category"] == "whitespace-only":
            # The NBSP-only line yields no paragraph at all.
            assert int(row["source_line"]) not in lines
            continue
        expected[(int(row["source_line"]), row["segment"])] = row["category"]
    assert len(expected) == n_noise

    found = 0
    content = 0
    for line, para, para_flags in zip(lines, paragraphs, got, strict=True):
        assert len(para_flags) == len(para)
        for segment, flags in zip(para, para_flags, strict=True):
            category = expected.get((line, segment))
            if category is None:
                content += 1
                assert flags == (), (line, segment, flags)
            else:
                found += 1
                assert flags == (category,), (line, segment, flags)
    assert found == n_noise
    assert content == n_content


def test_seed_noise_total_is_23_rows() -> None:
    assert sum(len(noise_rows(s)) for s in SEEDS) == 23


def test_flag_names_and_drop_set() -> None:
    assert list(FLAGS) == [
        "heading",
        "dateline",
        "speaker-label",
        "image-debris",
        "caption",
        "photo-credit",
        "byline",
        "widget",
        "login-prompt",
        "boilerplate",
        "not-vietnamese",
        "decode-error",
    ]
    assert all(isinstance(d, str) and d and "\n" not in d for d in FLAGS.values())
    assert {
        "dateline",
        "image-debris",
        "photo-credit",
        "widget",
        "login-prompt",
        "boilerplate",
    } == DROP_BY_DEFAULT
    assert set(FLAGS) >= DROP_BY_DEFAULT


# --- helpers ---------------------------------------------------------------------------------

BODY = (
    "Theo báo cáo của Bộ Công an, trong năm 2021 lực lượng công an đã triển khai nhiều biện "
    "pháp bảo đảm an ninh, trật tự và an toàn xã hội trên địa bàn cả nước."
)
BODY2 = (
    "Các đơn vị đã phối hợp chặt chẽ với chính quyền địa phương để nắm chắc tình hình, kịp thời "
    "phát hiện và xử lý các vụ việc phức tạp ngay từ cơ sở."
)


def flags_of(paragraphs: list[list[str]]) -> list[list[tuple[str, ...]]]:
    return flag_document(paragraphs, [[False] * len(p) for p in paragraphs])


def test_helpers() -> None:
    assert syllables("Thứ bảy - 16/04/2022 12:01 381 0") == 6
    assert syllables(BODY) >= 25
    assert ends_sentence("hơn”.")
    assert ends_sentence("lần thứ 37…")
    assert ends_sentence("mới./.")
    assert ends_sentence("(18/4/1946 - 18/4/2021).")
    assert not ends_sentence("Đoàn kết – Lập công”")
    assert not ends_sentence("nội dung sau:")
    assert not ends_sentence("")


def test_flag_document_without_speaker_argument() -> None:
    assert flag_document([[BODY]]) == [[()]]


def test_speaker_shape_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="one bool per segment"):
        flag_document([[BODY, BODY2]], [[False]])


# --- crafted cases per category --------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "bca 9109",
        "15416b1f 5f6e 46b9 8135 d93ab4f2cf5b",
        "15416b1f-5f6e-46b9-8135-d93ab4f2cf5b.jpg",
        "anh-dai-dien.png",
        "IMG_2041.JPG clip_01.mp4",
    ],
)
def test_image_debris_and_caption_after_it(line: str) -> None:
    got = flags_of([[BODY], [line], ["Bộ trưởng phát biểu tại hội nghị."], [BODY2]])
    assert got == [[()], [("image-debris",)], [("caption",)], [()]]


@pytest.mark.parametrize(
    "line",
    [
        "Năm 2020 là năm bản lề",  # not a slug: Vietnamese letters
        "covid là gì",
        "Xem ảnh.jpg của ông A ở đâu?",
    ],
)
def test_not_image_debris(line: str) -> None:
    assert flags_of([[BODY], [line], [BODY2]])[1] != [("image-debris",)]


def test_long_paragraph_after_debris_is_not_a_caption() -> None:
    got = flags_of([[BODY], ["bca 9109"], [BODY, BODY2, BODY], [BODY2]])
    assert got == [[()], [("image-debris",)], [(), (), ()], [()]]


@pytest.mark.parametrize(
    "line",
    [
        "Thứ bảy - 16/04/2022 12:01 381 0",
        "Chủ nhật, 05/06/2022 - 08:30 (GMT+7)",
        "T2, 12/3/2023 10h15",
        "16-04-2022",
        "Thứ Hai, 12/03/2023, 08:30",
    ],
)
def test_dateline(line: str) -> None:
    assert flags_of([[line], [BODY]]) == [[("dateline",)], [()]]


def test_date_inside_a_sentence_is_not_a_dateline() -> None:
    line = "Ngày 16/04/2022, đoàn công tác đã đến thăm và làm việc tại tỉnh."
    assert flags_of([[BODY], [line], [BODY2]]) == [[()], [()], [()]]


def test_photo_credit_glued_to_caption() -> None:
    got = flags_of([[BODY], ["Thứ trưởng phát biểu tại hội nghị.", "Ảnh: BCA"], [BODY2]])
    assert got == [[()], [("caption",), ("photo-credit",)], [()]]


@pytest.mark.parametrize(
    "credit", ["Ảnh minh họa: Internet", "Nguồn ảnh: TTXVN", "Video: VTV", "ẢNH: Lê Anh"]
)
def test_photo_credit_alone(credit: str) -> None:
    assert flags_of([[BODY], [credit], [BODY2]]) == [[()], [("photo-credit",)], [()]]


def test_long_text_after_anh_colon_is_not_a_credit() -> None:
    seg = (
        "Ảnh: một người đàn ông đứng trước cửa hàng chờ tới giờ mở cửa của siêu thị lớn nhất "
        "thành phố vào sáng sớm hôm qua."
    )
    assert flags_of([[BODY], [seg], [BODY2]]) == [[()], [()], [()]]


@pytest.mark.parametrize(
    "line",
    [
        "Tổng số điểm của bài viết là: 5 trong 1 đánh giá",
        "Click để đánh giá bài viết",
        "Ý kiến bạn đọc",
        "Bình luận (12)",
        "Tin liên quan",
        "Xem thêm: Giá xăng tăng mạnh",
        "Chia sẻ",
        "Từ khóa: an ninh, trật tự",
        "Tags: CAND",
        "Bản quyền © 2022 Báo Công an nhân dân",
        "Bản quyền thuộc về Cổng TTĐT Bộ Công an",
    ],
)
def test_widget(line: str) -> None:
    assert flags_of([[BODY], [line]]) == [[()], [("widget",)]]


@pytest.mark.parametrize(
    "line",
    [
        "Nhiều trang web đã vi phạm bản quyền khi đăng lại bài viết của báo.",
        "Bản quyền tác giả là vấn đề được quan tâm tại hội thảo hôm nay.",
        "Chia sẻ với báo chí, ông Nguyễn Văn A cho biết sẽ sớm hoàn thành dự án.",
        "Chia sẻ, ông A nói sẽ cố gắng hơn.",
        "Bình luận về việc này, chuyên gia cho rằng cần thận trọng.",
    ],
)
def test_not_widget(line: str) -> None:
    assert flags_of([[BODY], [line], [BODY2]]) == [[()], [()], [()]]


def test_widget_phrase_in_a_long_line_is_not_flagged() -> None:
    line = BODY[:-1] + ", và bạn đọc có thể click để đánh giá bài viết trên trang của báo."
    assert flags_of([[line], [BODY2]]) == [[()], [()]]


def test_login_prompt_flags_every_segment_of_its_paragraph() -> None:
    got = flags_of(
        [
            [BODY],
            [
                "Bạn đã không sử dụng Site, Bấm vào đây để duy trì trạng thái đăng nhập.",
                "Thời gian chờ: 60 giây",
            ],
        ]
    )
    assert got == [[()], [("login-prompt",), ("login-prompt",)]]


def test_heading_before_first_body_paragraph_only() -> None:
    got = flags_of(
        [
            ["Chủ động, nêu gương, kỷ cương"],
            ["Tiêu đề bài viết về an ninh trật tự"],
            [BODY],
            ["Một dòng không dấu câu ở giữa bài"],
            [BODY2],
        ]
    )
    assert got == [[("heading",)], [("heading",)], [()], [()], [()]]


def test_short_sentence_with_final_punctuation_is_not_a_heading() -> None:
    got = flags_of([["Hà Nội đón mùa thu."], ["Trời đẹp quá!"], [BODY]])
    assert got == [[()], [()], [()]]


def test_long_unpunctuated_first_line_is_not_a_heading() -> None:
    line = " ".join(["chữ"] * 31)
    assert flags_of([[line], [BODY]]) == [[()], [()]]


def test_byline_after_last_body_paragraph_only() -> None:
    got = flags_of(
        [[BODY], ["Nguyễn Văn A"], [BODY2], ["Ban Biên tập"], ["Cổng TTĐT BCA"], ["(Theo TTXVN)"]]
    )
    assert got == [[()], [()], [()], [("byline",)], [("byline",)], [("byline",)]]


def test_byline_limits() -> None:
    got = flags_of([[BODY], ["Bài và ảnh của phóng viên Nguyễn Văn A"], ["Xin cảm ơn."]])
    assert got == [[()], [()], [()]]


def test_no_body_paragraph_means_no_heading_or_byline() -> None:
    assert flags_of([["Xin chào"], ["Tạm biệt"]]) == [[()], [()]]


def test_speaker_labels_come_from_the_segmenter() -> None:
    paragraphs = [["Phóng viên:", "Đồng chí cho biết kết quả nổi bật?"], [BODY]]
    got = flag_document(paragraphs, [[True, False], [False]])
    assert got == [[("speaker-label",), ()], [()]]
    # Without the mark, the label text alone is not flagged.
    assert flags_of(paragraphs) == [[(), ()], [()]]


def test_empty_document_and_empty_paragraph() -> None:
    assert flag_document([], []) == []
    assert flags_of([[], [BODY]]) == [[], [()]]


# --- boilerplate -----------------------------------------------------------------------------


def synthetic_batch() -> list[list[list[str]]]:
    docs = []
    topics = ["mưa", "nắng", "gió", "bão", "lũ", "rét", "sương", "tuyết", "mây", "sấm"]
    for n, topic in enumerate(topics):
        paragraphs = [
            [f"Bài này nói về {topic}, một chủ đề riêng với nội dung không lặp lại ở bài khác."],
            [BODY if n % 2 else BODY2],
        ]
        if n < 3:
            paragraphs.append([f"Lượt xem: {100 + n}", "Theo dõi  chúng tôi"])  # 3 of 10
        if n < 2:
            paragraphs.append(["Đăng ký nhận tin qua thư điện tử mỗi ngày."])  # 2 documents
        docs.append(paragraphs)
    return docs


def test_paragraph_key() -> None:
    assert paragraph_key(["Lượt xem: 381", "Theo\u00a0dõi  chúng tôi "]) == (
        "lượt xem: 0 theo dõi chúng tôi"
    )


def test_boilerplate_keys_need_min_docs_and_min_share() -> None:
    docs = synthetic_batch()
    # BODY and BODY2 are each in 5 of 10 documents; the counter line in 3 (30 %).
    assert boilerplate_keys(docs) == {
        paragraph_key([BODY]),
        paragraph_key([BODY2]),
        "lượt xem: 0 theo dõi chúng tôi",
    }
    assert boilerplate_keys(docs, min_share=0.4) == {
        paragraph_key([BODY]),
        paragraph_key([BODY2]),
    }
    assert boilerplate_keys(docs, min_docs=2, min_share=0.0) == {
        paragraph_key([BODY]),
        paragraph_key([BODY2]),
        "lượt xem: 0 theo dõi chúng tôi",
        "đăng ký nhận tin qua thư điện tử mỗi ngày.",
    }
    assert boilerplate_keys(docs[:2]) == set()  # fewer than 3 documents


def test_flag_batch_adds_boilerplate_only() -> None:
    docs = synthetic_batch()
    got = flag_batch(docs)
    assert len(got) == 10
    assert got[0] == [
        [()],
        [("boilerplate",)],
        [("boilerplate",), ("boilerplate",)],
        [()],
    ]
    assert got[5] == [[()], [("boilerplate",)]]


def test_flag_batch_merges_document_flags() -> None:
    docs = [
        [[BODY2], ["Phóng viên:", f"Câu hỏi thứ {n} là gì?"], ["Ý kiến bạn đọc"], [f"Ý {word}."]]
        for n, word in enumerate(["một", "hai", "ba"])
    ]
    speakers = [[[False], [True, False], [False], [False]] for _ in range(3)]
    doc_flags = [flag_document(doc, sp) for doc, sp in zip(docs, speakers, strict=True)]
    assert doc_flags[2] == [[()], [("speaker-label",), ()], [("widget",)], [()]]
    got = flag_batch(docs, doc_flags)
    assert got[2] == [
        [("boilerplate",)],
        [("speaker-label", "boilerplate"), ("boilerplate",)],
        [("widget", "boilerplate")],
        [()],
    ]
    # Two documents only: nothing repeats often enough; the document flags come back unchanged.
    assert flag_batch(docs[:2], doc_flags[:2]) == doc_flags[:2]


def test_flag_batch_shape_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="one tuple per segment"):
        flag_batch([[[BODY, BODY2]]], [[[()]]])


@pytest.mark.parametrize(("min_docs", "min_share"), [(0, 0.2), (3, 1.5), (3, -0.1)])
def test_boilerplate_bad_settings(min_docs: int, min_share: float) -> None:
    with pytest.raises(ConfigError, match="min_"):
        flag_batch([], min_docs=min_docs, min_share=min_share)
