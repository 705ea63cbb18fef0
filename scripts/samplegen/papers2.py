"""More synthetic paper types, so the classifier benchmark covers more of the catalogue.

Same shape as ``papers.py``: each generator returns a ``Paper`` with the printed labels of the real
paper and the ground-truth fields a reader should extract.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from scripts.samplegen.papers import Paper, _commune_header, _issue, _place, _signer
from scripts.samplegen.people import HOSPITALS, STREETS, dmy, person, words_date

CARD_MOTTO = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "SOCIALIST REPUBLIC OF VIET NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Independence - Freedom - Happiness",
)
BRANDS = ["HONDA", "YAMAHA", "SUZUKI", "TOYOTA", "VINFAST", "KIA"]


def birth_extract(rng: random.Random) -> Paper:
    child = person(rng, born=(1990, 2024))
    mother = person(rng, sex="Nữ", born=(child.dob.year - 40, child.dob.year - 18))
    reg = child.dob + timedelta(days=rng.randrange(3, 60))
    issued = _issue(rng, reg)
    body = [
        f"Họ, chữ đệm, tên: {child.upper_name}",
        f"Ngày, tháng, năm sinh: {dmy(child.dob)}    ghi bằng chữ: {words_date(child.dob)}",
        f"Giới tính: {child.sex}    Dân tộc: {child.ethnic}    Quốc tịch: Việt Nam",
        f"Nơi sinh: {rng.choice(HOSPITALS)}",
        f"Số định danh cá nhân: {child.id_number}",
        f"Họ, chữ đệm, tên người mẹ: {mother.upper_name}",
        f"Nơi đăng ký khai sinh: Ủy ban nhân dân xã {child.commune}, {child.district}, tỉnh Ninh Bình",
        f"Ngày, tháng, năm đăng ký: {dmy(reg)}",
    ]
    return Paper(
        "TLKS",
        _commune_header(child),
        ["TRÍCH LỤC KHAI SINH", "(BẢN SAO)"],
        body,
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
    )


def marital_status(rng: random.Random) -> Paper:
    p = person(rng, born=(1960, 2004))
    issued = _issue(rng, date(2023, 1, 1))
    valid = issued + timedelta(days=182)
    body = [
        f"Xét đề nghị của ông/bà: {p.upper_name}",
        "ỦY BAN NHÂN DÂN XÃ XÁC NHẬN:",
        f"Họ, chữ đệm, tên: {p.upper_name}",
        f"Ngày, tháng, năm sinh: {dmy(p.dob)}    Giới tính: {p.sex}",
        f"Số định danh cá nhân: {p.id_number}",
        f"Nơi cư trú: {p.address}",
        f"Tình trạng hôn nhân: {rng.choice(['Chưa đăng ký kết hôn với ai', 'Đã ly hôn, chưa kết hôn lại'])}",
        "Giấy này được cấp để: làm thủ tục đăng ký kết hôn",
        f"Giấy này có giá trị sử dụng đến ngày: {dmy(valid)}",
    ]
    return Paper(
        "GXNTTHN",
        _commune_header(p),
        ["GIẤY XÁC NHẬN", "TÌNH TRẠNG HÔN NHÂN"],
        body,
        _place(p.commune, issued),
        ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
        _signer(rng),
        f"UBND XÃ {p.commune.upper()}",
        p.id_number,
        {
            "id_number": p.id_number,
            "full_name": p.full_name,
            "date_of_birth": p.dob.isoformat(),
            "issue_date": issued.isoformat(),
            "valid_until": valid.isoformat(),
            "issuer": " ".join(_commune_header(p)),
        },
        number_line=f"Số: {rng.randrange(1, 400)}/UBND-XNTTHN",
    )


def household_business(rng: random.Random) -> Paper:
    owner = person(rng, born=(1960, 2000))
    issued = _issue(rng, date(2012, 1, 1))
    header = ["ỦY BAN NHÂN DÂN", owner.district.upper(), "PHÒNG TÀI CHÍNH - KẾ HOẠCH"]
    body = [
        f"Mã số hộ kinh doanh: 27H{rng.randrange(100000, 999999)}",
        f"Đăng ký lần đầu: {words_date(issued)}",
        f"1. Tên hộ kinh doanh: HỘ KINH DOANH {owner.given.upper()} {rng.choice(['TẠP HÓA', 'ĂN UỐNG', 'MAY MẶC'])}",
        f"2. Địa điểm kinh doanh: Số {rng.randrange(1, 300)} đường {rng.choice(STREETS)}, {owner.district}",
        "3. Ngành, nghề kinh doanh: Bán lẻ hàng hóa",
        f"4. Vốn kinh doanh: {rng.randrange(50, 900)}.000.000 đồng",
        "5. Chủ hộ kinh doanh",
        f"Họ và tên: {owner.upper_name}    Giới tính: {owner.sex}",
        f"Sinh ngày: {dmy(owner.dob)}    Dân tộc: {owner.ethnic}    Quốc tịch: Việt Nam",
        f"Số định danh cá nhân: {owner.id_number}",
    ]
    return Paper(
        "GCNDKHKD",
        header,
        ["GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH"],
        body,
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
    )


def driving_licence(rng: random.Random) -> Paper:
    p = person(rng, born=(1960, 2005))
    issued = _issue(rng, date(max(2016, p.dob.year + 18), 1, 1), date(2025, 6, 30))
    cls = rng.choice(["A1", "A", "B", "C1"])
    until = None if cls in ("A1", "A") else date(issued.year + 10, issued.month, min(issued.day, 28))
    body = [
        f"Số / No.: {p.id_number}",
        f"Họ tên / Full name: {p.upper_name}",
        f"Ngày sinh / Date of birth: {dmy(p.dob)}",
        "Quốc tịch / Nationality: VIỆT NAM",
        f"Nơi cư trú / Address: {p.address}",
        f"Hạng / Class: {cls}    Ngày trúng tuyển / Beginning date: {dmy(issued)}",
        f"Có giá trị đến / Expires: {dmy(until) if until else 'Không thời hạn'}",
    ]
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
    )


def vehicle_registration(rng: random.Random) -> Paper:
    p = person(rng, born=(1950, 2005))
    issued = _issue(rng, date(2018, 1, 1))
    header = ["CÔNG AN TỈNH NINH BÌNH", "PHÒNG CẢNH SÁT GIAO THÔNG"]
    body = [
        f"Tên chủ xe: {p.upper_name}",
        f"Số định danh cá nhân: {p.id_number}",
        f"Địa chỉ: {p.address}",
        f"Nhãn hiệu: {rng.choice(BRANDS)}    Số loại: {rng.choice(['WAVE', 'VIOS', 'VF5', 'SIRIUS'])}",
        f"Số máy: {rng.choice('JKLMN')}{rng.randrange(10**7, 10**8)}",
        f"Số khung: RL{rng.randrange(10**9, 10**10)}",
        f"Biển số đăng ký: 35{rng.choice('ABCD')}-{rng.randrange(100, 999)}.{rng.randrange(10, 99)}",
        f"Đăng ký lần đầu ngày: {dmy(issued)}",
    ]
    return Paper(
        "GCNDKX",
        header,
        ["GIẤY CHỨNG NHẬN ĐĂNG KÝ XE"],
        body,
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
    )


def construction_permit(rng: random.Random) -> Paper:
    p = person(rng, born=(1950, 2000))
    issued = _issue(rng, date(2020, 1, 1))
    header = ["ỦY BAN NHÂN DÂN", p.district.upper()]
    body = [
        f"1. Cấp cho: Ông/Bà {p.upper_name}",
        f"Số định danh cá nhân: {p.id_number}",
        f"Địa chỉ: {p.address}",
        "2. Được phép xây dựng công trình: Nhà ở riêng lẻ",
        f"Theo thiết kế: {rng.randrange(2, 5)} tầng, tại thửa đất số {rng.randrange(1, 900)}",
        f"Diện tích xây dựng: {rng.randrange(50, 200)} m²",
        "3. Giấy phép này có hiệu lực khởi công xây dựng trong thời hạn 12 tháng kể từ ngày cấp",
    ]
    return Paper(
        "GPXD",
        header,
        ["GIẤY PHÉP XÂY DỰNG"],
        body,
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
    )


def medical_birth(rng: random.Random) -> Paper:
    mother = person(rng, sex="Nữ", born=(1985, 2004))
    born = _issue(rng, date(2022, 1, 1))
    hospital = rng.choice(HOSPITALS)
    body = [
        f"Họ và tên mẹ: {mother.upper_name}",
        f"Ngày, tháng, năm sinh: {dmy(mother.dob)}",
        f"Số định danh cá nhân: {mother.id_number}",
        f"Nơi đăng ký thường trú: {mother.address}",
        f"Đã sinh con vào lúc: {rng.randrange(0, 24):02d} giờ {rng.randrange(60):02d} phút, {words_date(born)}",
        f"Tại: {hospital}",
        f"Số con trong lần sinh: 1    Giới tính của con: {rng.choice(['Nam', 'Nữ'])}",
        f"Cân nặng: {rng.randrange(2500, 4200)} gam",
        "Người đỡ đẻ: Nữ hộ sinh",
    ]
    header = ["SỞ Y TẾ NINH BÌNH", hospital.upper()]
    return Paper(
        "GCS",
        header,
        ["GIẤY CHỨNG SINH"],
        body,
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
    )


def death_notice(rng: random.Random) -> Paper:
    p = person(rng, born=(1925, 1975))
    died = _issue(rng, date(2015, 1, 1))
    hospital = rng.choice(HOSPITALS)
    body = [
        f"Họ, chữ đệm, tên: {p.upper_name}",
        f"Ngày, tháng, năm sinh: {dmy(p.dob)}    Giới tính: {p.sex}",
        f"Số định danh cá nhân: {p.id_number}",
        f"Nơi thường trú: {p.address}",
        f"Đã chết vào lúc: {rng.randrange(0, 24):02d} giờ {rng.randrange(60):02d} phút, {dmy(died)}",
        f"Nơi chết: {hospital}",
        "Nguyên nhân chết: Bệnh",
    ]
    header = ["SỞ Y TẾ NINH BÌNH", hospital.upper()]
    return Paper(
        "GBT",
        header,
        ["GIẤY BÁO TỬ"],
        body,
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
    )


MORE_GENERATORS = {
    "TLKS": birth_extract,
    "GXNTTHN": marital_status,
    "GCNDKHKD": household_business,
    "GPLX": driving_licence,
    "GCNDKX": vehicle_registration,
    "GPXD": construction_permit,
    "GCS": medical_birth,
    "GBT": death_notice,
}
