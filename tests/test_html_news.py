"""HTML news pages: the headline, the lead and the body are kept, site furniture is not, and
the page's metadata (title, canonical URL, publication date) reaches the document.

The pages are written here, by code, after the layouts of four kinds of Vietnamese site
(VnExpress, Tuổi Trẻ, Thanh Niên, a ministry portal): their class names, their navigation,
scripts, comments, related-article boxes and footers. The articles themselves are invented.
``benchmarks/html_extraction.py`` measures trafilatura's options on the same pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from corpus.model import RawDocument
from corpus.pipeline import process_document
from corpus.readers import extract_html, extract_html_page, read_sources


@dataclass(frozen=True)
class Page:
    """A news page and what a reader must get from it."""

    name: str
    html: str
    headline: str
    lead: str
    body: tuple[str, ...]  # the article's paragraphs after the lead, in order
    junk: tuple[str, ...]  # menus, related articles, comments, footers: never body text
    meta: dict[str, str] = field(default_factory=dict)
    tail: tuple[str, ...] = ()  # the signature line after the body, kept as it is


def _nav(items: tuple[str, ...]) -> str:
    return "".join(f'<li><a href="/{i}">{i}</a></li>' for i in items)


MENU = ("Thời sự", "Góc nhìn", "Thế giới", "Kinh doanh", "Giải trí", "Thể thao", "Pháp luật")

# --- VnExpress-like: h1.title-detail, p.description, article.fck_detail ----------------------

VNE_HEADLINE = "Giá xăng giảm lần thứ ba liên tiếp"
VNE_LEAD = (
    "Từ 15h chiều nay, giá xăng RON 95 giảm 320 đồng mỗi lít, xuống còn 24.110 đồng, mức thấp "
    "nhất trong ba tháng qua."
)
VNE_BODY = (
    "Liên Bộ Công Thương - Tài chính vừa điều chỉnh giá bán lẻ xăng dầu theo chu kỳ mới. Theo "
    "đó, mỗi lít xăng E5 RON 92 giảm 270 đồng, còn 22.880 đồng.",
    "Giá dầu diesel giảm 410 đồng, xuống 20.570 đồng mỗi lít; dầu hỏa giảm 380 đồng, còn "
    "20.650 đồng. Dầu mazut tăng nhẹ 120 đồng mỗi kg.",
    "Kỳ này, cơ quan điều hành không trích lập và không chi sử dụng Quỹ bình ổn giá xăng dầu. "
    "Giá thế giới trong kỳ biến động theo xu hướng giảm do lo ngại nhu cầu yếu.",
    "Các doanh nghiệp đầu mối cho biết nguồn cung trong nước được bảo đảm, lượng hàng dự trữ "
    "đủ cho ít nhất 20 ngày tiêu thụ.",
)
VNE_JUNK = (
    "Trang chủ",
    "Giá vàng hôm nay tăng mạnh",
    "Nhiều cửa hàng xăng dầu tạm ngừng bán",
    "Giá xăng dầu nên điều chỉnh mỗi tuần một lần cho sát thị trường.",
    "Tôi thấy giá xăng giảm nhưng giá hàng hóa vẫn không giảm theo.",
    "© Copyright 1997 VnExpress.net, All rights reserved",
    "gtag",
)
VNE_URL = "https://vnexpress.net/gia-xang-giam-lan-thu-ba-lien-tiep-4721234.html"
VNE = Page(
    "vnexpress",
    f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>{VNE_HEADLINE} - VnExpress Kinh doanh</title>
<meta name="description" content="{VNE_LEAD}">
<meta property="og:title" content="{VNE_HEADLINE}">
<meta property="og:url" content="{VNE_URL}">
<meta property="og:type" content="article">
<meta name="pubdate" content="2024-03-14T15:05:00+07:00">
<meta itemprop="datePublished" content="2024-03-14T15:05:00+07:00">
<link rel="canonical" href="{VNE_URL}">
<link rel="stylesheet" href="/css/detail.css">
<script>window.dataLayer = window.dataLayer || []; function gtag(){{dataLayer.push(arguments);}}
gtag('js', new Date());</script>
</head>
<body class="page-detail">
<header class="section header">
<div class="container"><a class="logo" href="/" title="VnExpress">VnExpress</a>
<nav class="main-nav"><ul class="parent"><li><a href="/">Trang chủ</a></li>{_nav(MENU)}</ul></nav>
</div>
</header>
<!-- detail -->
<section class="section page-detail top-detail">
<div class="container">
<div class="sidebar-1">
<div class="header-content width_common">
<ul class="breadcrumb"><li><a href="/kinh-doanh">Kinh doanh</a></li>
<li><a href="/kinh-doanh/hang-hoa">Hàng hóa</a></li></ul>
<span class="date">Thứ năm, 14/3/2024, 15:05 (GMT+7)</span>
</div>
<h1 class="title-detail">{VNE_HEADLINE}</h1>
<p class="description">{VNE_LEAD}</p>
<article class="fck_detail ">
<p class="Normal">{VNE_BODY[0]}</p>
<p class="Normal">{VNE_BODY[1]}</p>
<figure data-size="true" itemprop="associatedMedia image" class="tplCaption">
<div class="fig-picture"><picture><img itemprop="contentUrl" alt="Trạm xăng"
 src="https://i1-kinhdoanh.vnecdn.net/2024/03/14/xang-1710403.jpg"></picture></div>
<figcaption itemprop="description"><p class="Image">Khách mua xăng tại một cửa hàng ở Hà Nội.
Ảnh: <em>Giang Huy</em></p></figcaption>
</figure>
<p class="Normal">{VNE_BODY[2]}</p>
<p class="Normal">{VNE_BODY[3]}</p>
<p class="Normal" style="text-align:right;"><strong>Phương Dung</strong></p>
</article>
<div class="footer-content">
<div class="box-tinlienquanv2">
<article class="item-news"><h4 class="title-news">
<a href="/a1.html">Giá vàng hôm nay tăng mạnh</a></h4>
<p class="description"><a href="/a1.html">Giá vàng miếng tăng thêm 500.000 đồng mỗi lượng.</a>
</p></article>
<article class="item-news"><h4 class="title-news">
<a href="/a2.html">Nhiều cửa hàng xăng dầu tạm ngừng bán</a></h4></article>
</div>
<div class="box_comment_vne width_common" id="box_comment_vne">
<h3 class="title_box_category">Ý kiến (12)</h3>
<div class="comment_item"><div class="content-comment"><p class="full_content">
<span class="txt-name">Minh Tuấn</span>Giá xăng dầu nên điều chỉnh mỗi tuần một lần cho sát
 thị trường.</p></div></div>
<div class="comment_item"><div class="content-comment"><p class="full_content">
<span class="txt-name">Lan Anh</span>Tôi thấy giá xăng giảm nhưng giá hàng hóa vẫn không giảm
 theo.</p></div></div>
</div>
</div>
</div>
</div>
</section>
<footer id="footer" class="footer"><div class="container">
<p class="copyright">© Copyright 1997 VnExpress.net, All rights reserved</p>
<p>Báo tiếng Việt nhiều người xem nhất</p></div></footer>
<script src="https://s1.vnecdn.net/vnexpress/restruct/j/v1/detail.js"></script>
</body>
</html>
""",
    VNE_HEADLINE,
    VNE_LEAD,
    VNE_BODY,
    VNE_JUNK,
    {"title": VNE_HEADLINE, "url": VNE_URL, "date": "2024-03-14"},
    ("Phương Dung",),
)

# --- Tuổi Trẻ-like: h1.detail-title, h2.detail-sapo, div.detail-content ----------------------

TT_HEADLINE = "TP.HCM khởi công tuyến metro số 2 Bến Thành - Tham Lương"
TT_LEAD = (
    "TTO - Sáng 15-3, UBND TP.HCM tổ chức lễ khởi công tuyến metro số 2 dài hơn 11km, tổng "
    "vốn đầu tư hơn 47.800 tỉ đồng, dự kiến hoàn thành vào năm 2030."
)
TT_BODY = (
    "Tuyến metro số 2 có chiều dài 11,3km, đi qua các quận 1, 3, 10, Tân Bình và 12, gồm 9 ga "
    "ngầm, 1 ga trên cao và depot Tham Lương.",
    "Phát biểu tại lễ khởi công, chủ tịch UBND TP.HCM cho biết thành phố đã hoàn tất giải "
    "phóng mặt bằng cho toàn tuyến sau nhiều năm chuẩn bị.",
    "Theo kế hoạch, các gói thầu xây dựng nhà ga ngầm sẽ được triển khai từ cuối năm nay. Đơn "
    "vị thi công phải bảo đảm giao thông trên các tuyến đường Cách Mạng Tháng Tám và Trường "
    "Chinh.",
    "Người dân sống dọc tuyến đường bày tỏ mong muốn công trình sớm hoàn thành để giảm ùn tắc "
    "giao thông ở cửa ngõ tây bắc thành phố.",
)
TT_JUNK = (
    "Đọc báo Tuổi Trẻ online",
    "Metro số 1 chạy thử toàn tuyến",
    "Giá vé metro được đề xuất từ 7.000 đồng",
    "Mong metro số 2 đúng tiến độ, đừng chậm như tuyến số 1.",
    "Tổng biên tập: Lê Thế Chữ",
    "googletag",
)
TT_URL = "https://tuoitre.vn/tp-hcm-khoi-cong-tuyen-metro-so-2-20240315093012345.htm"
TT = Page(
    "tuoitre",
    f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{TT_HEADLINE} | Tuổi Trẻ Online</title>
<meta name="description" content="{TT_LEAD}">
<meta property="og:title" content="{TT_HEADLINE}">
<meta property="og:site_name" content="TUOI TRE ONLINE">
<meta property="article:published_time" content="2024-03-15T09:30:12+07:00">
<link rel="canonical" href="{TT_URL}">
<script type="text/javascript">var googletag = googletag || {{}}; googletag.cmd = [];</script>
<style>.detail-sapo {{ font-weight: bold }}</style>
</head>
<body>
<div id="admzone480456"><script>googletag.cmd.push(function() {{}});</script></div>
<header class="header">
<div class="header__logo">
<a href="/" title="Đọc báo Tuổi Trẻ online">Đọc báo Tuổi Trẻ online</a></div>
<nav class="menu-nav"><ul class="menu-nav__list">{_nav(MENU)}</ul></nav>
</header>
<main>
<div class="detail__section">
<div class="detail__cmain">
<div class="detail-top">
<div class="detail-cate"><a href="/thoi-su.htm" title="Thời sự">Thời sự</a></div>
<div class="detail-time"><div data-role="publishdate">15/03/2024 09:30 GMT+7</div></div>
</div>
<h1 class="detail-title article-title" data-role="title">{TT_HEADLINE}</h1>
<div class="detail-author"><a class="name" href="/tac-gia/chau-tuan.htm">CHÂU TUẤN</a></div>
<h2 class="detail-sapo" data-role="sapo">{TT_LEAD}</h2>
<div class="detail-cmain">
<div class="detail-content afcbc-body" data-role="content" itemprop="articleBody">
<p>{TT_BODY[0]}</p>
<figure class="VCSortableInPreviewMode" type="Photo"><div><img
 src="https://cdn.tuoitre.vn/2024/3/15/metro-so-2.jpg" alt="Lễ khởi công"></div>
<figcaption class="PhotoCMS_Caption"><p data-placeholder="Nhập chú thích ảnh">Lễ khởi công
tuyến metro số 2 - Ảnh: QUANG ĐỊNH</p></figcaption></figure>
<p>{TT_BODY[1]}</p>
<div type="RelatedOneNews" class="VCSortableInPreviewMode"><div class="kbwscwl-relatedbox">
<a class="box-category-link-title" href="/metro-so-1.htm">Metro số 1 chạy thử toàn tuyến</a>
</div></div>
<p>{TT_BODY[2]}</p>
<p>{TT_BODY[3]}</p>
</div>
</div>
<div class="detail-tab"><a href="/metro.htm" class="item">metro</a>
<a href="/tp-hcm.htm" class="item">TP.HCM</a></div>
<div class="box-relate">
<h3 class="box-relate__title">Tin liên quan</h3>
<ul><li><a href="/ve-metro.htm">Giá vé metro được đề xuất từ 7.000 đồng</a></li>
<li><a href="/metro-so-1.htm">Metro số 1 chạy thử toàn tuyến</a></li></ul>
</div>
<section class="comment-wrapper" id="comment">
<div class="lstcommentpopup"><ul><li class="item-comment"><div class="contentcomment">
<span class="name">Nguyễn Văn Hùng</span>
<span class="contentcomment">Mong metro số 2 đúng tiến độ, đừng chậm như tuyến số 1.</span>
</div></li></ul></div>
</section>
</div>
</div>
</main>
<footer class="footer"><div class="footer__info">
<p>Tổng biên tập: Lê Thế Chữ</p>
<p>Giấy phép số 571/GP-BTTTT ngày 08-11-2021</p></div></footer>
</body>
</html>
""",
    TT_HEADLINE,
    TT_LEAD,
    TT_BODY,
    TT_JUNK,
    {"title": TT_HEADLINE, "url": TT_URL, "date": "2024-03-15"},
)

# --- Thanh Niên-like: h1.details__headline, div.sapo, div#abody of <div> paragraphs -----------

TN_HEADLINE = "Đồng bằng sông Cửu Long chủ động ứng phó hạn mặn"
TN_LEAD = (
    "Nhiều địa phương ở Đồng bằng sông Cửu Long đã tích trữ nước ngọt, đắp đập tạm và chuyển "
    "đổi cây trồng để chủ động ứng phó với đợt xâm nhập mặn cao điểm trong tháng 3."
)
TN_BODY = (
    "Theo Đài Khí tượng thủy văn khu vực Nam bộ, độ mặn trên các sông chính có xu hướng tăng "
    "trong những ngày tới, ranh mặn 4 phần nghìn vào sâu 45 đến 55km.",
    "Tại tỉnh Bến Tre, ngành nông nghiệp đã vận hành các cống ngăn mặn theo con nước, đồng "
    "thời khuyến cáo người dân trữ nước ngọt phục vụ sinh hoạt.",
    "Ông Trần Văn Nam, nông dân ở huyện Ba Tri, cho biết gia đình đã đào ao trữ nước từ cuối "
    "năm ngoái nên vườn dừa vẫn đủ nước tưới.",
    "Bộ Nông nghiệp và Phát triển nông thôn đề nghị các địa phương không xuống giống vụ mới ở "
    "những vùng có nguy cơ thiếu nước cao.",
)
TN_JUNK = (
    "Đăng nhập",
    "Mặn xâm nhập sâu vào nội đồng",
    "Nông dân trồng lúa chịu mặn",
    "Cơ quan chủ quản: Trung ương Hội Liên hiệp Thanh niên Việt Nam",
    "Xem thêm",
)
TN_URL = "https://thanhnien.vn/dong-bang-song-cuu-long-chu-dong-ung-pho-han-man-185240316.htm"
TN = Page(
    "thanhnien",
    f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="UTF-8">
<title>{TN_HEADLINE}</title>
<meta property="og:url" content="{TN_URL}">
<meta property="og:title" content="{TN_HEADLINE}">
<meta name="author" content="Thanh Niên">
<meta name="pubdate" content="2024-03-16T06:00:00+07:00">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "{TN_HEADLINE}", "datePublished": "2024-03-16T06:00:00+07:00",
"publisher": {{"@type": "Organization", "name": "Báo Thanh Niên"}}}}</script>
</head>
<body>
<div class="site-header">
<div class="header-top"><a href="/dang-nhap">Đăng nhập</a> | <a href="/dang-ky">Đăng ký</a></div>
<ul class="site-header__menu">{_nav(MENU)}</ul>
</div>
<div class="l-content">
<div class="details">
<div class="details__breadcrumbs">
<a href="/thoi-su.htm">Thời sự</a> » <a href="/dan-sinh.htm">Dân sinh</a></div>
<h1 class="details__headline cms-title">{TN_HEADLINE}</h1>
<div class="details__meta"><div class="meta"><span class="author">Thanh Hải</span>
<time>16/03/2024 06:00 GMT+7</time></div></div>
<div class="sapo cms-desc"><div>{TN_LEAD}</div></div>
<div id="abody" class="details__content cms-body" itemprop="articleBody">
<div>{TN_BODY[0]}</div>
<div>{TN_BODY[1]}</div>
<table class="imagefull"><tbody><tr><td><img src="https://images2.thanhnien.vn/han-man.jpg"
 alt="Hạn mặn"></td></tr><tr><td class="pCaption caption">Cống ngăn mặn ở Bến Tre
 <em>ẢNH: THANH HẢI</em></td></tr></tbody></table>
<div>{TN_BODY[2]}</div>
<div class="details__morenews"><div class="title">Xem thêm</div>
<a href="/man.htm">Mặn xâm nhập sâu vào nội đồng</a></div>
<div>{TN_BODY[3]}</div>
</div>
<div class="details__tags"><a href="/han-man.htm">hạn mặn</a></div>
</div>
<aside class="l-sidebar"><div class="box-mostview"><h3>Đọc nhiều</h3>
<ul><li><a href="/lua.htm">Nông dân trồng lúa chịu mặn</a></li>
<li><a href="/man.htm">Mặn xâm nhập sâu vào nội đồng</a></li></ul></div></aside>
</div>
<div class="site-footer"><p>Cơ quan chủ quản: Trung ương Hội Liên hiệp Thanh niên Việt Nam</p>
<p>Tổng biên tập: Nguyễn Ngọc Toàn</p></div>
</body>
</html>
""",
    TN_HEADLINE,
    TN_LEAD,
    TN_BODY,
    TN_JUNK,
    {"title": TN_HEADLINE, "url": TN_URL, "date": "2024-03-16"},
)

# --- ministry portal: layout tables, portlet menus, news-title / news-summary, a data table ---

GOV_HEADLINE = "Bộ Y tế hướng dẫn phòng, chống dịch sốt xuất huyết mùa mưa"
GOV_LEAD = (
    "Trước diễn biến phức tạp của dịch sốt xuất huyết, Bộ Y tế đề nghị các địa phương tăng "
    "cường giám sát, phát hiện sớm ca bệnh và xử lý triệt để ổ dịch."
)
GOV_BODY = (
    "Theo Cục Y tế dự phòng, từ đầu năm đến nay cả nước ghi nhận hơn 25.000 ca mắc sốt xuất "
    "huyết, trong đó có 5 ca tử vong, số mắc tăng 12% so với cùng kỳ năm trước.",
    "Bộ Y tế yêu cầu các Sở Y tế tổ chức chiến dịch diệt lăng quăng, bọ gậy tại hộ gia đình "
    "và nơi công cộng, ưu tiên những khu vực có nhiều ca mắc.",
    "Các bệnh viện cần chuẩn bị đủ thuốc, dịch truyền và giường bệnh, tổ chức phân luồng để "
    "tránh quá tải khi số ca bệnh tăng cao.",
    "Người dân được khuyến cáo ngủ màn kể cả ban ngày, đậy kín dụng cụ chứa nước và đến cơ sở "
    "y tế ngay khi có dấu hiệu sốt cao liên tục.",
)
GOV_JUNK = (
    "Giới thiệu",
    "Văn bản quy phạm pháp luật",
    "Thủ tục hành chính",
    "Hội nghị tổng kết công tác y tế năm 2023",
    "Bản quyền thuộc Bộ Y tế",
    "Địa chỉ: 138A Giảng Võ, Ba Đình, Hà Nội",
    "Số lượt truy cập",
)
GOV_URL = "https://moh.gov.vn/tin-noi-bat/-/asset_publisher/huong-dan-phong-chong-sot-xuat-huyet"
GOV_TABLE_CELLS = ("Hà Nội", "1.250", "TP. Hồ Chí Minh", "4.820")
GOV = Page(
    "ministry",
    f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
 "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" lang="vi-VN">
<head>
<meta content="text/html; charset=UTF-8" http-equiv="content-type" />
<title>{GOV_HEADLINE} - Cổng thông tin Bộ Y tế</title>
<link href="{GOV_URL}" rel="canonical" />
<meta name="dc.date.issued" content="2024-06-20" />
<script src="/html/js/barebone.jsp?browserId=other"></script>
<script>Liferay.Portlet.onLoad({{portletId: "101_INSTANCE_k206Q9qkZOqn"}});</script>
</head>
<body class="portlet-layout">
<table width="100%" cellpadding="0" cellspacing="0" class="layout-header"><tr>
<td><img src="/logo.png" alt="Bộ Y tế" /></td>
<td class="banner-text">CỔNG THÔNG TIN ĐIỆN TỬ BỘ Y TẾ</td>
</tr></table>
<div id="navigation" class="menu-top"><ul>
<li><a href="/gioi-thieu">Giới thiệu</a></li><li><a href="/tin-tuc">Tin tức - Sự kiện</a></li>
<li><a href="/van-ban">Văn bản quy phạm pháp luật</a></li><li>
<a href="/tthc">Thủ tục hành chính</a></li>
</ul></div>
<table width="100%" class="layout-main"><tr>
<td class="column-1" width="22%" valign="top">
<div class="portlet-boundary portlet-navigation"><div class="portlet-title">Chuyên mục</div>
<ul class="left-menu"><li><a href="/y-te-du-phong">Y tế dự phòng</a></li>
<li><a href="/kham-chua-benh">Khám chữa bệnh</a></li><li><a href="/duoc">Quản lý dược</a></li>
</ul></div>
</td>
<td class="column-2" width="78%" valign="top">
<div class="portlet-boundary portlet-asset-publisher"><div class="portlet-body">
<div class="asset-full-content">
<div class="news-title"><h3 class="header-title">{GOV_HEADLINE}</h3></div>
<div class="news-date">20/06/2024 10:15</div>
<div class="news-summary"><b>{GOV_LEAD}</b></div>
<div class="journal-content-article">
<p style="text-align: justify;">{GOV_BODY[0]}</p>
<p style="text-align: justify;">{GOV_BODY[1]}</p>
<table border="1" class="MsoTableGrid" style="width:400px">
<tbody><tr><td><b>Địa phương</b></td><td><b>Số ca mắc</b></td></tr>
<tr><td>{GOV_TABLE_CELLS[0]}</td><td>{GOV_TABLE_CELLS[1]}</td></tr>
<tr><td>{GOV_TABLE_CELLS[2]}</td><td>{GOV_TABLE_CELLS[3]}</td></tr></tbody></table>
<p style="text-align: justify;">{GOV_BODY[2]}</p>
<p style="text-align: justify;">{GOV_BODY[3]}</p>
<p style="text-align: right;"><b>Cục Y tế dự phòng</b></p>
</div>
</div>
<div class="other-news"><div class="title-other">Các tin khác</div><ul>
<li><a href="/t1">Hội nghị tổng kết công tác y tế năm 2023</a> <span>(18/06/2024)</span></li>
<li><a href="/t2">Tăng cường kiểm tra an toàn thực phẩm</a> <span>(17/06/2024)</span></li>
</ul></div>
</div></div>
</td></tr></table>
<table width="100%" class="layout-footer"><tr><td>
<p>Bản quyền thuộc Bộ Y tế</p><p>Địa chỉ: 138A Giảng Võ, Ba Đình, Hà Nội</p>
<p>Số lượt truy cập: 12.345.678</p></td></tr></table>
</body>
</html>
""",
    GOV_HEADLINE,
    GOV_LEAD,
    GOV_BODY,
    GOV_JUNK,
    {"title": GOV_HEADLINE, "url": GOV_URL, "date": "2024-06-20"},
    ("Cục Y tế dự phòng",),
)

PAGES: tuple[Page, ...] = (VNE, TT, TN, GOV)


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def read_page(tmp_path: Path, html: str, name: str = "page.html") -> RawDocument:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    items = list(read_sources([str(path)]))
    assert len(items) == 1 and isinstance(items[0], RawDocument), items
    return items[0]


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_headline_lead_and_body_kept_in_order(tmp_path: Path, page: Page) -> None:
    doc = read_page(tmp_path, page.html)
    assert paragraphs(doc.text) == [page.headline, page.lead, *page.body, *page.tail]
    assert doc.text == "\n".join(paragraphs(doc.text))
    assert [j for j in page.junk if j in doc.text] == []
    assert extract_html(page.html, "page.html") == doc.text


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_metadata(tmp_path: Path, page: Page) -> None:
    doc = read_page(tmp_path, page.html)
    assert doc.meta == page.meta
    assert process_document(doc).meta == page.meta
    assert extract_html_page(page.html, "page.html").meta == page.meta


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_headline_is_flagged_heading_and_lead_is_body(tmp_path: Path, page: Page) -> None:
    doc = process_document(read_page(tmp_path, page.html))
    by_para: dict[int, set[str]] = {}
    for seg in doc.segments:
        by_para.setdefault(seg.para, set()).update(seg.flags)
    assert by_para[1] == {"heading"}
    assert doc.text[doc.segments[0].start : doc.segments[0].end] == page.headline
    assert by_para[2] == set()  # the lead is body text: translated, exported


def test_put_back_lines_are_reported(tmp_path: Path) -> None:
    assert extract_html_page(TT.html, "tt.html").added == (TT_HEADLINE, TT_LEAD)


def test_lead_kept_by_trafilatura_is_not_repeated(tmp_path: Path) -> None:
    """The lead inside the body container: trafilatura keeps it, songngu adds only the title."""
    html = VNE.html.replace(f'<p class="description">{VNE_LEAD}</p>\n', "").replace(
        '<article class="fck_detail ">', f'<article class="fck_detail ">\n<p>{VNE_LEAD}</p>'
    )
    assert html.count(VNE_LEAD) == 2  # the meta description and the paragraph
    page = extract_html_page(html, "v.html")
    assert page.added == (VNE_HEADLINE,)
    assert paragraphs(page.text) == [VNE_HEADLINE, VNE_LEAD, *VNE_BODY, "Phương Dung"]


def test_headline_kept_by_trafilatura_is_not_repeated() -> None:
    html = (
        "<html><head><title>Tin - Báo X</title></head><body><nav><a href='/'>Trang chủ</a></nav>"
        f"<article><h1>{TN_HEADLINE}</h1><p>{TN_LEAD}</p>"
        + "".join(f"<p>{p}</p>" for p in TN_BODY)
        + "</article></body></html>"
    )
    page = extract_html_page(html, "a.html")
    assert page.added == ()
    assert paragraphs(page.text) == [TN_HEADLINE, TN_LEAD, *TN_BODY]


def test_lead_without_class_name_is_taken_only_when_it_reads_as_prose() -> None:
    """Between the headline and the body: a prose paragraph is a lead; an author line, a date,
    a link list and a photo caption are not."""
    caption = "Người dân xếp hàng mua xăng tại một cửa hàng ở quận Cầu Giấy, Hà Nội, sáng 14-3."
    html = (
        "<html><body><div class='top'>"
        f"<h1>{VNE_HEADLINE}</h1><div class='author'>Phương Dung</div><div>14/03/2024 15:05</div>"
        "<p><a href='/1'>Giá vàng miếng tăng thêm 500.000 đồng mỗi lượng trong phiên sáng nay, "
        "cao nhất từ đầu năm.</a></p>"
        f"<figure><img src='a.jpg'><figcaption>{caption}</figcaption></figure>"
        f"<p><b>{VNE_LEAD}</b></p></div><div class='content'>"
        + "".join(f"<p>{p}</p>" for p in VNE_BODY)
        + "</div></body></html>"
    )
    page = extract_html_page(html, "a.html")
    assert page.added == (VNE_HEADLINE, VNE_LEAD)
    assert paragraphs(page.text)[:2] == [VNE_HEADLINE, VNE_LEAD]


def test_page_without_headline_gets_nothing_added() -> None:
    html = "<html><body>" + "".join(f"<p>{p}</p>" for p in TT_BODY) + "</body></html>"
    page = extract_html_page(html, "a.html")
    assert (page.added, page.meta) == ((), {})
    assert paragraphs(page.text) == list(TT_BODY)


def test_page_of_only_a_headline_is_its_headline() -> None:
    page = extract_html_page(f"<html><body><h1>{TT_HEADLINE}</h1></body></html>", "a.html")
    assert (page.text, page.added) == (TT_HEADLINE, ())  # trafilatura keeps it here


def test_no_date_guessed_from_the_text() -> None:
    """A copyright year or a date in a sentence is no publication date; a ``<time>`` is."""
    html = (
        "<html><head><title>Tin ngắn</title></head><body><article>"
        f"<p>{TT_BODY[0]} Cập nhật lúc 10:00 ngày 05/06/2023.</p></article>"
        "<footer>Bản quyền © 2022 Báo X</footer></body></html>"
    )
    assert extract_html_page(html, "a.html").meta == {"title": "Tin ngắn"}
    dated = html.replace("<article>", '<article><time datetime="2024-01-02T10:00">2/1</time>')
    assert extract_html_page(dated, "a.html").meta == {"title": "Tin ngắn", "date": "2024-01-02"}
