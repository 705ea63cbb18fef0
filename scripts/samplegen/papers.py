"""The content of each synthetic paper type, with the printed labels of STANDARDS.md."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from scripts.samplegen.people import (
    BUSINESS_NAMES,
    BUSINESS_WORDS,
    HOSPITALS,
    STREETS,
    Person,
    dmy,
    enterprise_code,
    person,
    random_date,
    words_date,
)

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


@dataclass
class Paper:
    type_code: str
    header_left: list[str]
    title: list[str]
    body: list[str]
    place_date: str
    signer_title: list[str]
    signer_name: str
    seal_text: str
    owner_id: str
    fields: dict[str, str]
    number_line: str | None = None
    motto: tuple[str, ...] = MOTTO
    card: bool = False
    extra_pages: list[list[str]] = field(default_factory=list)

    def truth_lines(self) -> list[str]:
        lines = [*self.header_left, *self.motto]
        if self.number_line:
            lines.append(self.number_line)
        lines += [*self.title, *self.body, self.place_date, *self.signer_title, self.signer_name]
        for page in self.extra_pages:
            lines += page
        return [line for line in lines if line.strip()]


def _commune_header(p: Person) -> list[str]:
    return ["ỦY BAN NHÂN DÂN", f"XÃ {p.commune.upper()}"]


def _issue(rng: random.Random, after: date, until: date | None = None) -> date:
    until = until or date(2026, 10, 31)
    after = max(after, date(2000, 1, 1))
    return random_date(rng, after, until) if after < until else until


def _place(p_or_commune: str, d: date) -> str:
    return f"{p_or_commune}, {words_date(d)}"


def _signer(rng: random.Random) -> str:
    return person(rng, born=(1960, 1985)).full_name


def birth_certificate(rng: random.Random) -> Paper:
    child = person(rng, born=(2000, 2024))
    mother = person(rng, sex="Nữ", born=(child.dob.year - 40, child.dob.year - 18))
    father = person(rng, sex="Nam", born=(child.dob.year - 45, child.dob.year - 20))
    reg = child.dob + timedelta(days=rng.randrange(3, 60))
    body = [
        f"Họ, chữ đệm, tên: {child.upper_name}",
        f"Ngày, tháng, năm sinh: {dmy(child.dob)}",
        f"Giới tính: {child.sex}    Dân tộc: {child.ethnic}    Quốc tịch: Việt Nam",
        f"Nơi sinh: {rng.choice(HOSPITALS)}",
        f"Quê quán: {child.address}",
        f"Số định danh cá nhân: {child.id_number}",
        f"Họ, chữ đệm, tên người mẹ: {mother.upper_name}",
        f"Năm sinh: {mother.dob.year}    Dân tộc: {mother.ethnic}    Quốc tịch: Việt Nam",
        f"Họ, chữ đệm, tên người cha: {father.upper_name}",
        f"Năm sinh: {father.dob.year}    Dân tộc: {father.ethnic}    Quốc tịch: Việt Nam",
        f"Nơi đăng ký khai sinh: Ủy ban nhân dân xã {child.commune}, {child.district}, tỉnh Ninh Bình",
        f"Ngày, tháng, năm đăng ký: {dmy(reg)}",
    ]
    return Paper(
        "GKS",
        _commune_header(child),
        ["GIẤY KHAI SINH"],
        body,
        _place(child.commune, reg),
        ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
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
        number_line=f"Số: {rng.randrange(1, 400)}/{reg.year}    Quyển số: 01/{reg.year}",
    )


def marriage_certificate(rng: random.Random) -> Paper:
    husband = person(rng, sex="Nam", born=(1960, 2002))
    wife = person(rng, sex="Nữ", born=(husband.dob.year - 5, min(husband.dob.year + 5, 2004)))
    reg = _issue(rng, date(max(husband.dob.year, wife.dob.year) + 21, 1, 1))
    body = ["Thông tin người chồng"]
    for p in (husband, wife):
        if p is wife:
            body.append("Thông tin người vợ")
        body += [
            f"Họ, chữ đệm, tên: {p.upper_name}",
            f"Ngày, tháng, năm sinh: {dmy(p.dob)}",
            f"Dân tộc: {p.ethnic}    Quốc tịch: Việt Nam",
            f"Nơi cư trú: {p.address}",
            f"Số định danh cá nhân: {p.id_number}",
        ]
    body.append(f"Ngày, tháng, năm đăng ký: {dmy(reg)}")
    return Paper(
        "GCNKH",
        _commune_header(husband),
        ["GIẤY CHỨNG NHẬN KẾT HÔN"],
        body,
        _place(husband.commune, reg),
        ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
        _signer(rng),
        f"UBND XÃ {husband.commune.upper()}",
        husband.id_number,
        {
            "id_number": husband.id_number,
            "full_name": husband.full_name,
            "date_of_birth": husband.dob.isoformat(),
            "issue_date": reg.isoformat(),
            "issuer": " ".join(_commune_header(husband)),
        },
        number_line=f"Số: {rng.randrange(1, 200)}/{reg.year}",
    )


def enterprise_certificate(rng: random.Random) -> Paper:
    rep = person(rng, born=(1960, 1998))
    code = enterprise_code(rng)
    first = _issue(rng, date(2010, 1, 1), date(2023, 12, 31))
    changed = _issue(rng, first + timedelta(days=90))
    name = f"CÔNG TY TNHH {rng.choice(BUSINESS_WORDS)} {rng.choice(BUSINESS_NAMES)}"
    body = [
        "CÔNG TY TRÁCH NHIỆM HỮU HẠN MỘT THÀNH VIÊN",
        f"Mã số doanh nghiệp: {code}",
        f"Đăng ký lần đầu: {words_date(first)}",
        f"Đăng ký thay đổi lần thứ {rng.randrange(1, 5)}: {words_date(changed)}",
        "1. Tên công ty",
        f"Tên công ty viết bằng tiếng Việt: {name}",
        f"2. Địa chỉ trụ sở chính: Số {rng.randrange(1, 300)} đường {rng.choice(STREETS)}, thành phố Ninh Bình",
        f"3. Vốn điều lệ: {rng.randrange(1, 50)}.000.000.000 đồng",
        "4. Người đại diện theo pháp luật của công ty",
        f"Họ và tên: {rep.upper_name}    Giới tính: {rep.sex}",
        "Chức danh: Giám đốc",
        f"Sinh ngày: {dmy(rep.dob)}    Dân tộc: {rep.ethnic}    Quốc tịch: Việt Nam",
        f"Số định danh cá nhân: {rep.id_number}",
    ]
    header = ["SỞ KẾ HOẠCH VÀ ĐẦU TƯ", "TỈNH NINH BÌNH", "PHÒNG ĐĂNG KÝ KINH DOANH"]
    return Paper(
        "GCNDKDN",
        header,
        ["GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP"],
        body,
        _place("Ninh Bình", changed),
        ["TRƯỞNG PHÒNG"],
        _signer(rng),
        "PHÒNG ĐĂNG KÝ KINH DOANH * SỞ KH&ĐT NINH BÌNH",
        code,
        {
            "enterprise_code": code,
            "full_name": name,
            "issue_date": first.isoformat(),
            "issuer": " ".join(header[:2]),
        },
    )


def land_certificate(rng: random.Random) -> Paper:
    owner = person(rng, born=(1945, 1995))
    issued = _issue(rng, date(2005, 1, 1))
    header = ["ỦY BAN NHÂN DÂN", owner.district.upper()]
    body = [
        "I. Người sử dụng đất, chủ sở hữu nhà ở và tài sản khác gắn liền với đất",
        f"Họ và tên: {owner.upper_name}    Năm sinh: {owner.dob.year}",
        f"Số định danh cá nhân: {owner.id_number}",
        f"Địa chỉ thường trú: {owner.address}",
        "II. Thửa đất, nhà ở và tài sản khác gắn liền với đất",
        f"a) Thửa đất số: {rng.randrange(1, 900)}",
        f"b) Tờ bản đồ số: {rng.randrange(1, 60)}",
        f"c) Địa chỉ: Thôn {rng.randrange(1, 12)}, xã {owner.commune}, {owner.district}, tỉnh Ninh Bình",
        f"d) Diện tích: {rng.randrange(60, 900)},{rng.randrange(10)} m²",
        "đ) Hình thức sử dụng: Sử dụng riêng",
        "e) Mục đích sử dụng: Đất ở tại nông thôn",
        "g) Thời hạn sử dụng: Lâu dài",
    ]
    extra = [
        "III. Sơ đồ thửa đất, nhà ở và tài sản khác gắn liền với đất",
        f"Thửa đất số {rng.randrange(1, 900)} giáp đường liên thôn về phía Đông",
        "IV. Những thay đổi sau khi cấp Giấy chứng nhận",
        "Không có thay đổi",
        f"Vào sổ cấp Giấy chứng nhận số: CH{rng.randrange(10000, 99999)}",
    ]
    return Paper(
        "GCNQSDD",
        header,
        ["GIẤY CHỨNG NHẬN", "QUYỀN SỬ DỤNG ĐẤT", "QUYỀN SỞ HỮU NHÀ Ở VÀ TÀI SẢN KHÁC GẮN LIỀN VỚI ĐẤT"],
        body,
        _place("Ninh Bình", issued),
        ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
        _signer(rng),
        f"UBND {owner.district.upper()}",
        owner.id_number,
        {
            "id_number": owner.id_number,
            "full_name": owner.full_name,
            "issue_date": issued.isoformat(),
            "issuer": " ".join(header),
        },
        extra_pages=[extra],
    )


def residence_confirmation(rng: random.Random) -> Paper:
    p = person(rng, born=(1950, 2008))
    head = person(rng, born=(1940, 1990))
    issued = _issue(rng, date(2023, 7, 1))
    header = ["CÔNG AN TỈNH NINH BÌNH", f"CÔNG AN XÃ {p.commune.upper()}"]
    body = [
        f"Công an xã {p.commune} xác nhận thông tin về cư trú của công dân như sau:",
        f"1. Họ, chữ đệm và tên: {p.upper_name}",
        f"2. Ngày, tháng, năm sinh: {dmy(p.dob)}    3. Giới tính: {p.sex}",
        f"4. Số định danh cá nhân: {p.id_number}",
        f"5. Nơi thường trú: {p.address}",
        "6. Nơi tạm trú: Không",
        f"7. Nơi ở hiện tại: {p.address}",
        f"8. Họ, chữ đệm và tên chủ hộ: {head.upper_name}    Quan hệ với chủ hộ: Con",
    ]
    return Paper(
        "XNCT",
        header,
        ["GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ"],
        body,
        _place(p.commune, issued),
        ["TRƯỞNG CÔNG AN XÃ"],
        _signer(rng),
        f"CÔNG AN XÃ {p.commune.upper()}",
        p.id_number,
        {
            "id_number": p.id_number,
            "full_name": p.full_name,
            "date_of_birth": p.dob.isoformat(),
            "issue_date": issued.isoformat(),
            "issuer": " ".join(header),
        },
        number_line=f"Số: {rng.randrange(1, 900)}/XN-CAX",
    )


def diploma(rng: random.Random) -> Paper:
    p = person(rng, born=(1985, 2007))
    issued = date(p.dob.year + 18, 7, rng.randrange(10, 28))
    header = ["ỦY BAN NHÂN DÂN TỈNH NINH BÌNH", "SỞ GIÁO DỤC VÀ ĐÀO TẠO"]
    body = [
        "GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH NINH BÌNH",
        "Công nhận tốt nghiệp trung học phổ thông",
        f"Họ và tên: {p.upper_name}",
        f"Ngày sinh: {dmy(p.dob)}    Giới tính: {p.sex}",
        f"Nơi sinh: {p.address}",
        f"Số định danh cá nhân: {p.id_number}",
        f"Học sinh trường: THPT {rng.choice(['Hoa Lư A', 'Gia Viễn A', 'Nho Quan A', 'Yên Khánh A', 'Kim Sơn A'])}",
        f"Khóa thi: {issued.year}    Xếp loại: {rng.choice(['Trung bình', 'Khá', 'Giỏi'])}",
        f"Số hiệu: A{rng.randrange(1000000, 9999999)}",
        f"Số vào sổ cấp bằng: {rng.randrange(100, 9999)}/TN-{issued.year}",
    ]
    return Paper(
        "BTNTHPT",
        header,
        ["BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG"],
        body,
        _place("Ninh Bình", issued),
        ["GIÁM ĐỐC"],
        _signer(rng),
        "SỞ GIÁO DỤC VÀ ĐÀO TẠO * NINH BÌNH",
        p.id_number,
        {
            "id_number": p.id_number,
            "full_name": p.full_name,
            "date_of_birth": p.dob.isoformat(),
            "issue_date": issued.isoformat(),
            "issuer": " ".join(header),
        },
    )


def judicial_record(rng: random.Random) -> Paper:
    p = person(rng, born=(1950, 2006))
    issued = _issue(rng, date(2022, 1, 1))
    header = ["ỦY BAN NHÂN DÂN TỈNH NINH BÌNH", "SỞ TƯ PHÁP"]
    body = [
        "Căn cứ Luật Lý lịch tư pháp ngày 17 tháng 6 năm 2009;",
        "SỞ TƯ PHÁP TỈNH NINH BÌNH CHỨNG NHẬN:",
        f"1. Họ, chữ đệm, tên: {p.upper_name}",
        f"2. Giới tính: {p.sex}",
        f"3. Ngày, tháng, năm sinh: {dmy(p.dob)}",
        f"4. Nơi sinh: {p.address}",
        "5. Quốc tịch: Việt Nam",
        f"6. Nơi cư trú: {p.address}",
        f"7. Số định danh cá nhân: {p.id_number}",
        "8. Tình trạng án tích: Không có án tích",
        "9. Thông tin về cấm đảm nhiệm chức vụ, thành lập, quản lý doanh nghiệp: Không bị cấm",
    ]
    return Paper(
        "LLTP",
        header,
        ["PHIẾU LÝ LỊCH TƯ PHÁP SỐ 1"],
        body,
        _place("Ninh Bình", issued),
        ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"],
        _signer(rng),
        "SỞ TƯ PHÁP * TỈNH NINH BÌNH",
        p.id_number,
        {
            "id_number": p.id_number,
            "full_name": p.full_name,
            "date_of_birth": p.dob.isoformat(),
            "issue_date": issued.isoformat(),
            "issuer": " ".join(header),
        },
        number_line=f"Số: {rng.randrange(100, 9999)}/STP-LLTP",
    )


def death_extract(rng: random.Random) -> Paper:
    p = person(rng, born=(1925, 1975))
    died = _issue(rng, date(2015, 1, 1))
    reg = died + timedelta(days=rng.randrange(1, 15))
    declarant = person(rng, born=(1960, 2000))
    body = [
        f"Họ, chữ đệm, tên: {p.upper_name}",
        f"Ngày, tháng, năm sinh: {dmy(p.dob)}",
        f"Giới tính: {p.sex}    Dân tộc: {p.ethnic}    Quốc tịch: Việt Nam",
        f"Số định danh cá nhân: {p.id_number}",
        f"Đã chết vào lúc: {rng.randrange(0, 24):02d} giờ {rng.randrange(0, 60):02d} phút, {dmy(died)}",
        f"Nơi chết: {p.address}",
        "Nguyên nhân chết: Bệnh",
        f"Họ, chữ đệm, tên người đi khai tử: {declarant.upper_name}",
        f"Ngày, tháng, năm đăng ký: {dmy(reg)}",
    ]
    return Paper(
        "TLKT",
        _commune_header(p),
        ["TRÍCH LỤC KHAI TỬ"],
        body,
        _place(p.commune, reg),
        ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
        _signer(rng),
        f"UBND XÃ {p.commune.upper()}",
        p.id_number,
        {
            "id_number": p.id_number,
            "full_name": p.full_name,
            "date_of_birth": p.dob.isoformat(),
            "issue_date": reg.isoformat(),
            "issuer": " ".join(_commune_header(p)),
        },
        number_line=f"Số: {rng.randrange(1, 200)}/TLKT-BS",
    )


def id_card(rng: random.Random) -> Paper:
    p = person(rng, born=(1960, 2005))
    issued = _issue(rng, date(max(2016, p.dob.year + 14), 1, 1), date(2024, 6, 30))
    age_at = issued.year - p.dob.year
    expiry_year = next((p.dob.year + a for a in (25, 40, 60) if age_at < a - 2), None)
    expiry = f"{p.dob.day:02d}/{p.dob.month:02d}/{expiry_year}" if expiry_year else "Không thời hạn"
    body = [
        f"Số / No.: {p.id_number}",
        "Họ và tên / Full name:",
        p.upper_name,
        f"Ngày sinh / Date of birth: {dmy(p.dob)}",
        f"Giới tính / Sex: {p.sex}    Quốc tịch / Nationality: Việt Nam",
        "Quê quán / Place of origin:",
        p.address,
        "Nơi thường trú / Place of residence:",
        p.address,
        f"Có giá trị đến / Date of expiry: {expiry}",
    ]
    fields = {"id_number": p.id_number, "full_name": p.full_name, "date_of_birth": p.dob.isoformat()}
    if expiry_year:
        day = 28 if (p.dob.month, p.dob.day) == (2, 29) else p.dob.day
        fields["valid_until"] = date(expiry_year, p.dob.month, day).isoformat()
        expiry = f"{day:02d}/{p.dob.month:02d}/{expiry_year}"
    return Paper(
        "CCCD",
        [],
        ["CĂN CƯỚC CÔNG DÂN", "Citizen Identity Card"],
        body,
        "",
        [],
        "",
        "",
        p.id_number,
        fields,
        motto=(
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "SOCIALIST REPUBLIC OF VIET NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "Independence - Freedom - Happiness",
        ),
        card=True,
    )


def application_form(rng: random.Random) -> Paper:
    applicant = person(rng, born=(1975, 2000))
    child = person(rng, born=(2023, 2025))
    made = child.dob + timedelta(days=rng.randrange(3, 50))
    body = [
        f"Kính gửi: Ủy ban nhân dân xã {applicant.commune}",
        f"Họ, chữ đệm, tên người yêu cầu: {applicant.upper_name}",
        f"Nơi cư trú: {applicant.address}",
        f"Số định danh cá nhân: {applicant.id_number}",
        f"Quan hệ với người được khai sinh: {'Cha' if applicant.sex == 'Nam' else 'Mẹ'}",
        "Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:",
        f"Họ, chữ đệm, tên: {child.upper_name}",
        f"Ngày, tháng, năm sinh: {dmy(child.dob)}    Giới tính: {child.sex}",
        f"Nơi sinh: {rng.choice(HOSPITALS)}",
        "Tôi cam đoan nội dung đề nghị đăng ký khai sinh trên đây là đúng sự thật",
        "và chịu trách nhiệm trước pháp luật về cam đoan của mình.",
    ]
    return Paper(
        "TK",
        [],
        ["TỜ KHAI ĐĂNG KÝ KHAI SINH"],
        body,
        _place(f"Làm tại: {applicant.commune}", made),
        ["Người yêu cầu"],
        applicant.full_name,
        "",
        applicant.id_number,
        {"id_number": applicant.id_number, "full_name": applicant.full_name, "issue_date": made.isoformat()},
    )


GENERATORS = {
    "GKS": birth_certificate,
    "GCNKH": marriage_certificate,
    "GCNDKDN": enterprise_certificate,
    "GCNQSDD": land_certificate,
    "XNCT": residence_confirmation,
    "BTNTHPT": diploma,
    "LLTP": judicial_record,
    "TLKT": death_extract,
    "CCCD": id_card,
    "TK": application_form,
}

from scripts.samplegen.papers2 import MORE_GENERATORS  # noqa: E402  (papers2 builds on the helpers above)

GENERATORS.update(MORE_GENERATORS)
