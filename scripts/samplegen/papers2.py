"""More synthetic paper types, so the classifier benchmark covers more of the catalogue.

Same shape as ``papers.py``: each generator returns a ``Paper`` with the printed labels of the real
paper and the ground-truth fields a reader should extract.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from scripts.samplegen.layouts import F, Share, T, lay_out
from scripts.samplegen.papers import (
    LayoutSpec,
    Paper,
    _commune_header,
    _issue,
    _known,
    _name,
    _owner,
    _place,
    _signer,
    card_lines,
)
from scripts.samplegen.people import HOSPITALS, STREETS, dmy, person, words_date

CARD_MOTTO = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "SOCIALIST REPUBLIC OF VIET NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Independence - Freedom - Happiness",
)
BRANDS = ["HONDA", "YAMAHA", "SUZUKI", "TOYOTA", "VINFAST", "KIA"]


def birth_extract(rng: random.Random, lay: LayoutSpec) -> Paper:
    child = person(rng, born=(1990, 2024))
    mother = person(rng, sex="Nữ", born=(child.dob.year - 40, child.dob.year - 18))
    reg = child.dob + timedelta(days=rng.randrange(3, 60))
    issued = _issue(rng, reg)
    items = [
        F("Họ, chữ đệm, tên", _name(child, lay)),
        Share((F("Ngày, tháng, năm sinh", dmy(child.dob)), F("ghi bằng chữ", words_date(child.dob)))),
        Share((F("Giới tính", child.sex), F("Dân tộc", child.ethnic), F("Quốc tịch", "Việt Nam"))),
        F("Nơi sinh", rng.choice(HOSPITALS)),
        F("Số định danh cá nhân", child.id_number),
        F("Họ, chữ đệm, tên người mẹ", _name(mother, lay)),
        F("Nơi đăng ký khai sinh", f"Ủy ban nhân dân xã {child.commune}, {child.district}, tỉnh Ninh Bình"),
        F("Ngày, tháng, năm đăng ký", dmy(reg)),
    ]
    if lay.form == "tt15":
        items[1] = F("Ngày, tháng, năm sinh", dmy(child.dob))
    return Paper(
        "TLKS",
        _commune_header(child),
        ["TRÍCH LỤC KHAI SINH", "(BẢN SAO)"],
        lay_out(items, lay.style, lay.font),
        _place(child.commune, issued),
        ["TL. CHỦ TỊCH", "CÔNG CHỨC TƯ PHÁP - HỘ TỊCH"],
        _signer(rng),
        f"UBND XÃ {child.commune.upper()}",
        child.id_number,
        {
            "id_number": child.id_number,
            "full_name": child.full_name,
            "date_of_birth": child.dob.isoformat(),
            "issue_date": reg.isoformat(),
            "issuer": " ".join(_commune_header(child)),
        },
        number_line=f"Số: {rng.randrange(1, 400)}/TLKS-BS",
        owners=[_owner(child, "person")],
        people=[_known(child)],
    )


def marital_status(rng: random.Random, lay: LayoutSpec) -> Paper:
    p = person(rng, born=(1960, 2004))
    issued = _issue(rng, date(2023, 1, 1))
    valid = issued + timedelta(days=182)
    items = [
        T(f"Xét đề nghị của ông/bà: {_name(p, lay)}"),
        T("ỦY BAN NHÂN DÂN XÃ XÁC NHẬN:"),
        F("Họ, chữ đệm, tên", _name(p, lay)),
        Share((F("Ngày, tháng, năm sinh", dmy(p.dob)), F("Giới tính", p.sex))),
        F("Số định danh cá nhân", p.id_number)
        if lay.form == "tt04"
        else F("Giấy tờ tùy thân", f"CCCD số {p.id_number}"),
        F("Nơi cư trú", p.address),
        F("Tình trạng hôn nhân", rng.choice(["Chưa đăng ký kết hôn với ai", "Đã ly hôn, chưa kết hôn lại"])),
        F("Giấy này được cấp để", "làm thủ tục đăng ký kết hôn"),
    ]
    fields = {
        "id_number": p.id_number,
        "full_name": p.full_name,
        "date_of_birth": p.dob.isoformat(),
        "issue_date": issued.isoformat(),
        "issuer": " ".join(_commune_header(p)),
    }
    if lay.form == "tt04":
        items.append(F("Giấy này có giá trị sử dụng đến ngày", dmy(valid)))
        fields["valid_until"] = valid.isoformat()
    else:  # Thông tư 15/2015: no printed end, six months from the issue date
        items.append(T("Giấy này có giá trị 6 tháng kể từ ngày cấp."))
        fields["valid_until"] = _months_after(issued, 6).isoformat()
    return Paper(
        "GXNTTHN",
        _commune_header(p),
        ["GIẤY XÁC NHẬN", "TÌNH TRẠNG HÔN NHÂN"],
        lay_out(items, lay.style, lay.font),
        _place(p.commune, issued),
        ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
        _signer(rng),
        f"UBND XÃ {p.commune.upper()}",
        p.id_number,
        fields,
        number_line=f"Số: {rng.randrange(1, 400)}/UBND-XNTTHN",
        owners=[_owner(p, "person")],
        people=[_known(p)],
    )


def _months_after(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    day = d.day
    while True:
        try:
            return date(d.year + y, m + 1, day)
        except ValueError:
            day -= 1


def household_business(rng: random.Random, lay: LayoutSpec) -> Paper:
    owner = person(rng, born=(1960, 2000))
    issued = _issue(rng, date(2012, 1, 1))
    header = ["ỦY BAN NHÂN DÂN", owner.district.upper(), "PHÒNG TÀI CHÍNH - KẾ HOẠCH"]
    items = [
        F("Mã số hộ kinh doanh", f"27H{rng.randrange(100000, 999999)}"),
        F("Đăng ký lần đầu", words_date(issued)),
        F(
            "1. Tên hộ kinh doanh",
            f"HỘ KINH DOANH {owner.given.upper()} {rng.choice(['TẠP HÓA', 'ĂN UỐNG', 'MAY MẶC'])}",
        ),
        F("2. Địa điểm kinh doanh", f"Số {rng.randrange(1, 300)} đường {rng.choice(STREETS)}, {owner.district}"),
        F("3. Ngành, nghề kinh doanh", "Bán lẻ hàng hóa"),
        F("4. Vốn kinh doanh", f"{rng.randrange(50, 900)}.000.000 đồng"),
        T("5. Chủ hộ kinh doanh"),
        Share((F("Họ và tên", _name(owner, lay)), F("Giới tính", owner.sex))),
        Share((F("Sinh ngày", dmy(owner.dob)), F("Dân tộc", owner.ethnic), F("Quốc tịch", "Việt Nam"))),
        F("Số định danh cá nhân", owner.id_number),
    ]
    return Paper(
        "GCNDKHKD",
        header,
        ["GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH"],
        lay_out(items, lay.style, lay.font),
        _place(owner.district, issued),
        ["TRƯỞNG PHÒNG"],
        _signer(rng),
        f"UBND {owner.district.upper()}",
        owner.id_number,
        {
            "id_number": owner.id_number,
            "full_name": owner.full_name,
            "issue_date": issued.isoformat(),
            "issuer": " ".join(header[:2]),
        },
        owners=[_owner(owner, "person")],
        people=[_known(owner)],
    )


def driving_licence(rng: random.Random, lay: LayoutSpec) -> Paper:
    p = person(rng, born=(1960, 2005))
    issued = _issue(rng, date(max(2016, p.dob.year + 18), 1, 1), date(2025, 6, 30))
    cls = rng.choice(["A1", "A", "B", "C1"])
    until = None if cls in ("A1", "A") else date(issued.year + 10, issued.month, min(issued.day, 28))
    items = [
        F("Số / No.", p.id_number),
        F("Họ tên / Full name", p.upper_name),
        F("Ngày sinh / Date of birth", dmy(p.dob)),
        F("Quốc tịch / Nationality", "VIỆT NAM"),
        F("Nơi cư trú / Address", p.address),
        Share((F("Hạng / Class", cls), F("Ngày trúng tuyển / Beginning date", dmy(issued)))),
        F("Có giá trị đến / Expires", dmy(until) if until else "Không thời hạn"),
    ]
    if lay.style == "card-above":
        body = []
        for item in items:
            if isinstance(item, F) and item.label.startswith(("Họ", "Nơi")):
                body += [f"{item.label}:", item.value]
            else:
                body += card_lines([item])
    else:
        body = card_lines(items)
    fields = {
        "id_number": p.id_number,
        "full_name": p.full_name,
        "date_of_birth": p.dob.isoformat(),
    }
    if until:
        fields["valid_until"] = until.isoformat()
    return Paper(
        "GPLX",
        [],
        ["GIẤY PHÉP LÁI XE", "DRIVER'S LICENSE"],
        body,
        "",
        [],
        "",
        "",
        p.id_number,
        fields,
        motto=CARD_MOTTO,
        card=True,
        owners=[_owner(p, "person")],
        people=[_known(p)],
    )


def vehicle_registration(rng: random.Random, lay: LayoutSpec) -> Paper:
    p = person(rng, born=(1950, 2005))
    issued = _issue(rng, date(2018, 1, 1))
    header = ["CÔNG AN TỈNH NINH BÌNH", "PHÒNG CẢNH SÁT GIAO THÔNG"]
    items = [
        F("Tên chủ xe", _name(p, lay)),
        F("Số định danh cá nhân", p.id_number),
        F("Địa chỉ", p.address),
        Share((F("Nhãn hiệu", rng.choice(BRANDS)), F("Số loại", rng.choice(["WAVE", "VIOS", "VF5", "SIRIUS"])))),
        F("Số máy", f"{rng.choice('JKLMN')}{rng.randrange(10**7, 10**8)}"),
        F("Số khung", f"RL{rng.randrange(10**9, 10**10)}"),
        F("Biển số đăng ký", f"35{rng.choice('ABCD')}-{rng.randrange(100, 999)}.{rng.randrange(10, 99)}"),
        F("Đăng ký lần đầu ngày", dmy(issued)),
    ]
    return Paper(
        "GCNDKX",
        header,
        ["GIẤY CHỨNG NHẬN ĐĂNG KÝ XE"],
        lay_out(items, lay.style, lay.font),
        _place("Ninh Bình", issued),
        ["TRƯỞNG PHÒNG"],
        _signer(rng),
        "CÔNG AN TỈNH NINH BÌNH",
        p.id_number,
        {
            "id_number": p.id_number,
            "full_name": p.full_name,
            "issue_date": issued.isoformat(),
            "issuer": " ".join(header),
        },
        number_line=f"Số: {rng.randrange(100000, 999999)}",
        owners=[_owner(p, "person")],
        people=[_known(p)],
    )


def construction_permit(rng: random.Random, lay: LayoutSpec) -> Paper:
    p = person(rng, born=(1950, 2000))
    issued = _issue(rng, date(2020, 1, 1))
    header = ["ỦY BAN NHÂN DÂN", p.district.upper()]
    items = [
        F("1. Cấp cho", f"Ông/Bà {_name(p, lay)}"),
        F("Số định danh cá nhân", p.id_number),
        F("Địa chỉ", p.address),
        F("2. Được phép xây dựng công trình", "Nhà ở riêng lẻ"),
        F("Theo thiết kế", f"{rng.randrange(2, 5)} tầng, tại thửa đất số {rng.randrange(1, 900)}"),
        F("Diện tích xây dựng", f"{rng.randrange(50, 200)} m²"),
        T("3. Giấy phép này có hiệu lực khởi công xây dựng trong thời hạn 12 tháng kể từ ngày cấp"),
    ]
    return Paper(
        "GPXD",
        header,
        ["GIẤY PHÉP XÂY DỰNG"],
        lay_out(items, lay.style, lay.font),
        _place(p.district, issued),
        ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
        _signer(rng),
        f"UBND {p.district.upper()}",
        p.id_number,
        {
            "id_number": p.id_number,
            "full_name": p.full_name,
            "issue_date": issued.isoformat(),
            "issuer": " ".join(header),
        },
        number_line=f"Số: {rng.randrange(1, 900)}/GPXD",
        owners=[_owner(p, "person")],
        people=[_known(p)],
    )


def medical_birth(rng: random.Random, lay: LayoutSpec) -> Paper:
    mother = person(rng, sex="Nữ", born=(1985, 2004))
    born = _issue(rng, date(2022, 1, 1))
    hospital = rng.choice(HOSPITALS)
    items = [
        F("Họ và tên mẹ", _name(mother, lay)),
        F("Ngày, tháng, năm sinh", dmy(mother.dob)),
        F("Số định danh cá nhân", mother.id_number),
        F("Nơi đăng ký thường trú", mother.address),
        F("Đã sinh con vào lúc", f"{rng.randrange(0, 24):02d} giờ {rng.randrange(60):02d} phút, {words_date(born)}"),
        F("Tại", hospital),
        Share((F("Số con trong lần sinh", "1"), F("Giới tính của con", rng.choice(["Nam", "Nữ"])))),
        F("Cân nặng", f"{rng.randrange(2500, 4200)} gam"),
        F("Người đỡ đẻ", "Nữ hộ sinh"),
    ]
    header = ["SỞ Y TẾ NINH BÌNH", hospital.upper()]
    return Paper(
        "GCS",
        header,
        ["GIẤY CHỨNG SINH"],
        lay_out(items, lay.style, lay.font),
        _place("Ninh Bình", born),
        ["GIÁM ĐỐC"],
        _signer(rng),
        hospital.upper(),
        mother.id_number,
        {
            "id_number": mother.id_number,
            "full_name": mother.full_name,
            "issue_date": born.isoformat(),
            "issuer": " ".join(header),
        },
        number_line=f"Số: {rng.randrange(1, 9000)}/GCS",
        owners=[_owner(mother, "mother")],
        people=[_known(mother)],
    )


def death_notice(rng: random.Random, lay: LayoutSpec) -> Paper:
    p = person(rng, born=(1925, 1975))
    died = _issue(rng, date(2015, 1, 1))
    hospital = rng.choice(HOSPITALS)
    items = [
        F("Họ, chữ đệm, tên", _name(p, lay)),
        Share((F("Ngày, tháng, năm sinh", dmy(p.dob)), F("Giới tính", p.sex))),
        F("Số định danh cá nhân", p.id_number),
        F("Nơi thường trú", p.address),
        F("Đã chết vào lúc", f"{rng.randrange(0, 24):02d} giờ {rng.randrange(60):02d} phút, {dmy(died)}"),
        F("Nơi chết", hospital),
        F("Nguyên nhân chết", "Bệnh"),
    ]
    header = ["SỞ Y TẾ NINH BÌNH", hospital.upper()]
    return Paper(
        "GBT",
        header,
        ["GIẤY BÁO TỬ"],
        lay_out(items, lay.style, lay.font),
        _place("Ninh Bình", died),
        ["GIÁM ĐỐC"],
        _signer(rng),
        hospital.upper(),
        p.id_number,
        {
            "id_number": p.id_number,
            "full_name": p.full_name,
            "date_of_birth": p.dob.isoformat(),
            "issue_date": died.isoformat(),
            "issuer": " ".join(header),
        },
        number_line=f"Số: {rng.randrange(1, 900)}/GBT",
        owners=[_owner(p, "person")],
        people=[_known(p)],
    )


MORE_BUILDERS = {
    "TLKS": birth_extract,
    "GXNTTHN": marital_status,
    "GCNDKHKD": household_business,
    "GPLX": driving_licence,
    "GCNDKX": vehicle_registration,
    "GPXD": construction_permit,
    "GCS": medical_birth,
    "GBT": death_notice,
}

L = LayoutSpec
MORE_LAYOUTS = {
    "TLKS": (
        L("tt04-inline", "tt04"),
        L("tt04-above", "tt04", "above"),
        L("tt15-dotted", "tt15", "dotted", held_out="A"),
        L("tt04-nocolon", "tt04", "nocolon", held_out="B"),
    ),
    "GXNTTHN": (
        L("tt04-inline", "tt04"),
        L("tt15-table", "tt15", "table"),
        L("tt04-above", "tt04", "above", held_out="A"),
        L("tt15-underline", "tt15", "underline", held_out="B"),
    ),
    "GCNDKHKD": (
        L("2021-inline", "2021"),
        L("2021-mixedcase", "2021", caps=False),
        L("2021-table", "2021", "table", held_out="A"),
        L("2021-tabs-sans", "2021", "tabs", held_out="B", font="sans"),
    ),
    "GPLX": (
        L("pet-inline", "pet", "card-inline"),
        L("pet-above", "pet", "card-above", held_out="A"),
        L("pet-inline-sans", "pet", "card-inline", held_out="B", font="sans"),
    ),
    "GCNDKX": (
        L("2023-inline", "2023"),
        L("2023-table", "2023", "table", held_out="A"),
        L("2023-nocolon", "2023", "nocolon", held_out="B"),
    ),
    "GPXD": (
        L("2024-inline", "2024"),
        L("2024-above", "2024", "above", held_out="A"),
        L("2024-tabs", "2024", "tabs", held_out="B"),
    ),
    "GCS": (
        L("2012-inline", "2012"),
        L("2012-table", "2012", "table", held_out="A"),
        L("2012-underline", "2012", "underline", held_out="B"),
    ),
    "GBT": (
        L("2020-inline", "2020"),
        L("2020-dotted", "2020", "dotted", held_out="A"),
        L("2020-tabs-sans", "2020", "tabs", held_out="B", font="sans"),
    ),
}
