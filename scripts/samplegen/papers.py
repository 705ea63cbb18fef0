"""The content of each synthetic paper type, with the printed labels of STANDARDS.md."""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from ocr.text import unaccent
from scripts.samplegen.layouts import F, Grid, H, Line, Row, Share, T, lay_out
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
    body: list[Line]
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
    owners: list[dict[str, str]] = field(default_factory=list)
    """Everyone the paper belongs to: ``{"role", "owner_id"}``, the primary owner first."""
    people: list[dict[str, str]] = field(default_factory=list)
    """The owners as a warehouse would already know them (ID, name, date of birth, commune) — the benchmark's
    directory of known owners, for papers that print no ID number."""
    layout: str = ""
    held_out: str = ""
    """The held-out group of the paper's layout ("A", "B"), or "" for a layout used in tuning."""
    font: str = "serif"
    seal_on_line: int | None = None
    """A second stamp over the end of this body line (a value under a seal)."""

    def truth_lines(self) -> list[str]:
        lines = [*self.header_left, *self.motto]
        if self.number_line:
            lines.append(self.number_line)
        body = [x.text if isinstance(x, Row) else x for x in self.body]
        lines += [*self.title, *body, self.place_date, *self.signer_title, self.signer_name]
        for page in self.extra_pages:
            lines += page
        return [line for line in lines if line.strip()]


@dataclass(frozen=True)
class LayoutSpec:
    """One way a type's paper is printed: its official form's wording (``form``), the style of its body
    (``layouts.STYLES``), names in capitals or as in a sentence, and whether the benchmark keeps it out of tuning."""

    name: str
    form: str
    style: str = "inline"
    held_out: str = ""
    """"" for a layout used in tuning; "A": held out, looked at after its first measurement; "B": held out until
    the final measurement."""
    caps: bool = True
    seal_on_value: bool = False
    font: str = "serif"


def _owner(p: Person, role: str) -> dict[str, str]:
    return {"role": role, "owner_id": p.id_number}


def _known(p: Person) -> dict[str, str]:
    return {"owner_id": p.id_number, "name": p.full_name, "date_of_birth": p.dob.isoformat(), "place": p.address}


def _name(p: Person, lay: LayoutSpec) -> str:
    return p.upper_name if lay.caps else p.full_name


def _cmnd(rng: random.Random) -> str:
    """A 9-digit identity card number of the old kind (not a personal ID number)."""
    return f"16{rng.randrange(10**7):07d}"


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


def birth_certificate(rng: random.Random, lay: LayoutSpec) -> Paper:
    child = person(rng, born=(2000, 2024) if lay.form != "old2010" else (1990, 2015))
    mother = person(rng, sex="Nữ", born=(child.dob.year - 40, child.dob.year - 18))
    father = person(rng, sex="Nam", born=(child.dob.year - 45, child.dob.year - 20))
    reg = child.dob + timedelta(days=rng.randrange(3, 60))
    place_of_birth = rng.choice(HOSPITALS)
    fields = {
        "full_name": child.full_name,
        "date_of_birth": child.dob.isoformat(),
        "issue_date": reg.isoformat(),
        "issuer": " ".join(_commune_header(child)),
    }
    if lay.form == "old2010":  # before personal ID numbers: the parents in a table, headed Mẹ / Cha
        items = [
            F("Họ và tên", _name(child, lay)),
            Share((F("Giới tính", child.sex), F("Dân tộc", child.ethnic), F("Quốc tịch", "Việt Nam"))),
            F("Ngày, tháng, năm sinh", dmy(child.dob)),
            F("Nơi sinh", place_of_birth),
            F("Quê quán", child.address),
            T("Phần khai về cha, mẹ"),
            Grid(
                ("", "Mẹ", "Cha"),
                (
                    ("Họ và tên", _name(mother, lay), _name(father, lay)),
                    ("Năm sinh", str(mother.dob.year), str(father.dob.year)),
                    ("Dân tộc", mother.ethnic, father.ethnic),
                    ("Nơi thường trú", f"Xã {mother.commune}", f"Xã {father.commune}"),
                ),
            ),
            F("Ngày, tháng, năm đăng ký", dmy(reg)),
        ]
    else:
        fields["id_number"] = child.id_number
        items = [
            F("Họ, chữ đệm, tên", _name(child, lay)),
            F("Ngày, tháng, năm sinh", dmy(child.dob)),
            Share((F("Giới tính", child.sex), F("Dân tộc", child.ethnic), F("Quốc tịch", "Việt Nam"))),
            F("Nơi sinh", place_of_birth),
            F("Quê quán", child.address),
            F("Số định danh cá nhân", child.id_number),
            F("Họ, chữ đệm, tên người mẹ", _name(mother, lay)),
            Share((F("Năm sinh", str(mother.dob.year)), F("Dân tộc", mother.ethnic), F("Quốc tịch", "Việt Nam"))),
            F("Họ, chữ đệm, tên người cha", _name(father, lay)),
            Share((F("Năm sinh", str(father.dob.year)), F("Dân tộc", father.ethnic), F("Quốc tịch", "Việt Nam"))),
            F("Nơi đăng ký khai sinh", f"Ủy ban nhân dân xã {child.commune}, {child.district}, tỉnh Ninh Bình"),
            F("Ngày, tháng, năm đăng ký", dmy(reg)),
        ]
    return Paper(
        "GKS",
        _commune_header(child),
        ["GIẤY KHAI SINH"],
        lay_out(items, lay.style, lay.font),
        _place(child.commune, reg),
        ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
        _signer(rng),
        f"UBND XÃ {child.commune.upper()}",
        child.id_number,
        fields,
        number_line=f"Số: {rng.randrange(1, 400)}/{reg.year}    Quyển số: 01/{reg.year}",
        owners=[_owner(child, "person")],
        people=[_known(child)],
    )


def marriage_certificate(rng: random.Random, lay: LayoutSpec) -> Paper:
    husband = person(rng, sex="Nam", born=(1960, 2002))
    wife = person(rng, sex="Nữ", born=(husband.dob.year - 5, min(husband.dob.year + 5, 2004)))
    reg = _issue(rng, date(max(husband.dob.year, wife.dob.year) + 21, 1, 1))
    fields = {"issue_date": reg.isoformat(), "issuer": " ".join(_commune_header(husband))}
    for prefix, p in (("", husband), ("wife.", wife)):
        fields |= {f"{prefix}full_name": p.full_name, f"{prefix}date_of_birth": p.dob.isoformat()}

    def person_items(p: Person, suffix: str = "") -> list:
        return [
            F(f"Họ, chữ đệm, tên{suffix}", _name(p, lay)),
            F("Ngày, tháng, năm sinh", dmy(p.dob)),
            Share((F("Dân tộc", p.ethnic), F("Quốc tịch", "Việt Nam"))),
            F("Nơi cư trú", p.address),
            F("Số định danh cá nhân", p.id_number),
        ]

    if lay.form == "old-grid":  # Nghị định 158/2005: a table headed Chồng / Vợ, old 9-digit identity cards
        items = [
            Grid(
                ("", "Chồng", "Vợ"),
                (
                    ("Họ và tên", _name(husband, lay), _name(wife, lay)),
                    ("Ngày, tháng, năm sinh", dmy(husband.dob), dmy(wife.dob)),
                    ("Dân tộc", husband.ethnic, wife.ethnic),
                    ("Quốc tịch", "Việt Nam", "Việt Nam"),
                    ("Nơi thường trú", f"Xã {husband.commune}", f"Xã {wife.commune}"),
                    ("Số Giấy CMND", _cmnd(rng), _cmnd(rng)),
                ),
            ),
            F("Ngày, tháng, năm đăng ký", dmy(reg)),
        ]
    else:
        fields |= {"id_number": husband.id_number, "wife.id_number": wife.id_number}
        if lay.form == "columns":  # two columns side by side, as the current form prints them

            def col(p: Person, head: str) -> tuple:
                return (
                    H(head),
                    F("Họ, chữ đệm, tên", _name(p, lay)),
                    F("Ngày, tháng, năm sinh", dmy(p.dob)),
                    F("Dân tộc", p.ethnic),
                    F("Quốc tịch", "Việt Nam"),
                    F("Nơi cư trú", f"Xã {p.commune}"),
                    F("Số định danh cá nhân", p.id_number),
                )

            from scripts.samplegen.layouts import Columns

            items = [Columns(col(husband, "Thông tin người chồng"), col(wife, "Thông tin người vợ"))]
        elif lay.form == "suffix":  # "Họ, chữ đệm, tên người chồng:" / "… người vợ:"
            items = person_items(husband, " người chồng") + person_items(wife, " người vợ")
        else:  # sections headed "Thông tin người chồng" / "Thông tin người vợ"
            items = [H("Thông tin người chồng"), *person_items(husband), H("Thông tin người vợ"), *person_items(wife)]
        items.append(F("Ngày, tháng, năm đăng ký", dmy(reg)))
    return Paper(
        "GCNKH",
        _commune_header(husband),
        ["GIẤY CHỨNG NHẬN KẾT HÔN"],
        lay_out(items, lay.style, lay.font),
        _place(husband.commune, reg),
        ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"],
        _signer(rng),
        f"UBND XÃ {husband.commune.upper()}",
        husband.id_number,
        fields,
        number_line=f"Số: {rng.randrange(1, 200)}/{reg.year}",
        owners=[_owner(husband, "husband"), _owner(wife, "wife")],
        people=[_known(husband), _known(wife)],
    )


COMPANY_KINDS = [
    ("CÔNG TY TNHH", "Công ty TNHH"),
    ("CÔNG TY TNHH MTV", "Công ty TNHH MTV"),
    ("CÔNG TY CỔ PHẦN", "Công ty Cổ phần"),
    ("CÔNG TY CP", "Công ty CP"),
    ("HỢP TÁC XÃ", "Hợp tác xã"),
    ("DOANH NGHIỆP TƯ NHÂN", "Doanh nghiệp tư nhân"),
]


def company_name(rng: random.Random, caps: bool = True, long: bool = False) -> str:
    """A business name as printed: capitals with acronyms (TNHH, MTV, CP), or as a sentence with proper nouns."""
    upper, lower = rng.choice(COMPANY_KINDS)
    words = [rng.choice(BUSINESS_WORDS)]
    if long or rng.random() < 0.3:
        words.append("VÀ " + rng.choice([w for w in BUSINESS_WORDS if w not in words]))
    place = rng.choice(BUSINESS_NAMES)
    if long:
        place += " " + rng.choice(["NINH BÌNH", "HOA LƯ", "TAM ĐIỆP"])
    if caps:
        return " ".join([upper, *words, place])
    return " ".join([lower, *(w.capitalize() if i == 0 else w.lower() for i, w in enumerate(words)), place.title()])


def enterprise_certificate(rng: random.Random, lay: LayoutSpec) -> Paper:
    rep = person(rng, born=(1960, 1998))
    code = enterprise_code(rng)
    first = _issue(rng, date(2010, 1, 1), date(2023, 12, 31))
    changed = _issue(rng, first + timedelta(days=90))
    name = company_name(rng, caps=lay.caps, long=rng.random() < 0.4)
    latin = unaccent(name).upper().replace("CONG TY TNHH", "").strip() + " COMPANY LIMITED"
    items = [
        T("CÔNG TY TRÁCH NHIỆM HỮU HẠN MỘT THÀNH VIÊN"),
        F("Mã số doanh nghiệp", code),
        F("Đăng ký lần đầu", words_date(first)),
        F(f"Đăng ký thay đổi lần thứ {rng.randrange(1, 5)}", words_date(changed)),
        H("1. Tên công ty"),
        F("Tên công ty viết bằng tiếng Việt", name),
    ]
    if lay.form != "2010":
        items += [F("Tên công ty viết bằng tiếng nước ngoài", latin), F("Tên công ty viết tắt", "")]
    items += [
        F("2. Địa chỉ trụ sở chính", f"Số {rng.randrange(1, 300)} đường {rng.choice(STREETS)}, thành phố Ninh Bình"),
        F("3. Vốn điều lệ", f"{rng.randrange(1, 50)}.000.000.000 đồng"),
        H("4. Người đại diện theo pháp luật của công ty"),
        Share((F("Họ và tên", _name(rep, lay)), F("Giới tính", rep.sex))),
        F("Chức danh", "Giám đốc"),
        Share((F("Sinh ngày", dmy(rep.dob)), F("Dân tộc", rep.ethnic), F("Quốc tịch", "Việt Nam"))),
        F("Số định danh cá nhân", rep.id_number),
    ]
    if lay.form == "2010":
        items[4:6] = [F("Tên doanh nghiệp viết bằng tiếng Việt", name)]
    header = ["SỞ KẾ HOẠCH VÀ ĐẦU TƯ", "TỈNH NINH BÌNH", "PHÒNG ĐĂNG KÝ KINH DOANH"]
    body = lay_out(items, lay.style, lay.font)
    seal_line = None
    if lay.seal_on_value:
        seal_line = next(
            i for i, line in enumerate(body) if name.split()[-1] in (line.text if isinstance(line, Row) else line)
        )
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
        {"enterprise_code": code, "full_name": name, "issue_date": first.isoformat(), "issuer": " ".join(header[:2])},
        owners=[{"role": "business", "owner_id": code}],
        seal_on_line=seal_line,
    )


def land_certificate(rng: random.Random, lay: LayoutSpec) -> Paper:
    holder = person(rng, sex="Nam" if lay.form != "2014-one" else None, born=(1945, 1995))
    two = lay.form in ("2014-two", "2024")
    co = person(rng, sex="Nữ", born=(holder.dob.year - 6, min(holder.dob.year + 6, 2000))) if two else None
    issued = _issue(rng, date(2005, 1, 1) if lay.form != "2024" else date(2024, 8, 1))
    header = ["ỦY BAN NHÂN DÂN", holder.district.upper()]
    fields = {"id_number": holder.id_number, "full_name": holder.full_name, "issue_date": issued.isoformat()}
    fields["issuer"] = " ".join(header)
    owners = [_owner(holder, "holder")]
    if co is not None:
        fields |= {"co_holder.id_number": co.id_number, "co_holder.full_name": co.full_name}
        owners.append(_owner(co, "co_holder"))

    def honorific(p: Person) -> str:
        return "Ông" if p.sex == "Nam" else "Bà"

    if lay.form == "2024":  # Luật Đất đai 2024: "Ông NGUYỄN VĂN A, CCCD số: …"
        items = [H("1. Người sử dụng đất, chủ sở hữu tài sản gắn liền với đất:")]
        for p in (holder, co):
            assert p is not None
            items.append(T(f"{honorific(p)} {_name(p, lay)}, sinh năm {p.dob.year}, CCCD số: {p.id_number}"))
        items.append(F("Địa chỉ thường trú", holder.address))
        items.append(H("2. Thửa đất"))
    elif lay.form == "pre2009":
        items = [
            F("Tên người sử dụng đất", f"Hộ ông {_name(holder, lay)}" if holder.sex == "Nam" else _name(holder, lay)),
            F("Số CCCD", holder.id_number),
            F("Địa chỉ", holder.address),
            H("II. Thửa đất được quyền sử dụng"),
        ]
    else:  # Thông tư 23/2014: "Ông: …    Năm sinh: …", one or two holders
        items = [H("I. Người sử dụng đất, chủ sở hữu nhà ở và tài sản khác gắn liền với đất")]
        for p in (holder, co) if co else (holder,):
            items += [
                Share((F(honorific(p) if co else "Họ và tên", _name(p, lay)), F("Năm sinh", str(p.dob.year)))),
                F("Số định danh cá nhân" if p is holder or rng.random() < 0.5 else "CCCD số", p.id_number),
            ]
        items.append(F("Địa chỉ thường trú", holder.address))
        items.append(H("II. Thửa đất, nhà ở và tài sản khác gắn liền với đất"))
    items += [
        F("a) Thửa đất số", str(rng.randrange(1, 900))),
        F("b) Tờ bản đồ số", str(rng.randrange(1, 60))),
        F("c) Địa chỉ", f"Thôn {rng.randrange(1, 12)}, xã {holder.commune}, {holder.district}, tỉnh Ninh Bình"),
        F("d) Diện tích", f"{rng.randrange(60, 900)},{rng.randrange(10)} m²"),
        F("đ) Hình thức sử dụng", "Sử dụng chung" if co else "Sử dụng riêng"),
        F("e) Mục đích sử dụng", "Đất ở tại nông thôn"),
        F("g) Thời hạn sử dụng", "Lâu dài"),
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
        lay_out(items, lay.style, lay.font),
        _place("Ninh Bình", issued),
        ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
        _signer(rng),
        f"UBND {holder.district.upper()}",
        holder.id_number,
        fields,
        extra_pages=[extra],
        owners=owners,
        people=[_known(holder)] + ([_known(co)] if co else []),
    )


def residence_confirmation(rng: random.Random, lay: LayoutSpec) -> Paper:
    p = person(rng, born=(1950, 2008))
    head = person(rng, born=(1940, 1990))
    issued = _issue(rng, date(2023, 7, 1))
    header = ["CÔNG AN TỈNH NINH BÌNH", f"CÔNG AN XÃ {p.commune.upper()}"]
    items = [
        T(f"Công an xã {p.commune} xác nhận thông tin về cư trú của công dân như sau:"),
        F("1. Họ, chữ đệm và tên", _name(p, lay)),
        Share((F("2. Ngày, tháng, năm sinh", dmy(p.dob)), F("3. Giới tính", p.sex))),
        F("4. Số định danh cá nhân", p.id_number),
        F("5. Nơi thường trú", p.address),
        F("6. Nơi tạm trú", "Không"),
        F("7. Nơi ở hiện tại", p.address),
        Share((F("8. Họ, chữ đệm và tên chủ hộ", _name(head, lay)), F("Quan hệ với chủ hộ", "Con"))),
    ]
    return Paper(
        "XNCT",
        header,
        ["GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ"],
        lay_out(items, lay.style, lay.font),
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
        owners=[_owner(p, "person")],
        people=[_known(p)],
    )


SCHOOLS = ["Hoa Lư A", "Gia Viễn A", "Nho Quan A", "Yên Khánh A", "Kim Sơn A"]


def diploma(rng: random.Random, lay: LayoutSpec) -> Paper:
    p = person(rng, born=(1985, 2007) if lay.form != "old" else (1965, 1990))
    issued = date(p.dob.year + 18, 7, rng.randrange(10, 28))
    header = ["ỦY BAN NHÂN DÂN TỈNH NINH BÌNH", "SỞ GIÁO DỤC VÀ ĐÀO TẠO"]
    fields = {"full_name": p.full_name, "date_of_birth": p.dob.isoformat(), "issue_date": issued.isoformat()}
    fields["issuer"] = " ".join(header)
    title = ["BẰNG TỐT NGHIỆP TRUNG HỌC PHỔ THÔNG"]
    if lay.form == "old":  # before 2010: "Sinh ngày … Tại …", no ID number
        title = ["BẰNG TỐT NGHIỆP PHỔ THÔNG TRUNG HỌC"]
        items = [
            T("GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH NINH BÌNH"),
            T("Công nhận tốt nghiệp phổ thông trung học"),
            F("Họ và tên", _name(p, lay)),
            F("Sinh ngày", dmy(p.dob)),
            F("Tại", p.address),
            F("Học sinh trường", f"PTTH {rng.choice(SCHOOLS)}"),
            Share((F("Khóa thi", str(issued.year)), F("Xếp loại", rng.choice(["Trung bình", "Khá", "Giỏi"])))),
            F("Số vào sổ cấp bằng", f"{rng.randrange(100, 9999)}/TN-{issued.year}"),
        ]
    else:
        items = [
            T("GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH NINH BÌNH"),
            T("Công nhận tốt nghiệp trung học phổ thông"),
            F("Họ và tên", _name(p, lay)),
            Share((F("Ngày sinh", dmy(p.dob)), F("Giới tính", p.sex))),
            F("Nơi sinh", p.address),
        ]
        if lay.form == "2018-id":
            items.append(F("Số định danh cá nhân", p.id_number))
            fields["id_number"] = p.id_number
        items += [
            F("Học sinh trường", f"THPT {rng.choice(SCHOOLS)}"),
            Share((F("Khóa thi", str(issued.year)), F("Xếp loại", rng.choice(["Trung bình", "Khá", "Giỏi"])))),
            F("Số hiệu", f"A{rng.randrange(1000000, 9999999)}"),
            F("Số vào sổ cấp bằng", f"{rng.randrange(100, 9999)}/TN-{issued.year}"),
        ]
    return Paper(
        "BTNTHPT",
        header,
        title,
        lay_out(items, lay.style, lay.font),
        _place("Ninh Bình", issued),
        ["GIÁM ĐỐC"],
        _signer(rng),
        "SỞ GIÁO DỤC VÀ ĐÀO TẠO * NINH BÌNH",
        p.id_number,
        fields,
        owners=[_owner(p, "person")],
        people=[_known(p)],
    )


def judicial_record(rng: random.Random, lay: LayoutSpec) -> Paper:
    p = person(rng, born=(1950, 2006))
    issued = _issue(rng, date(2022, 1, 1))
    header = ["ỦY BAN NHÂN DÂN TỈNH NINH BÌNH", "SỞ TƯ PHÁP"]
    name_label = "1. Họ, chữ đệm, tên" if lay.form == "2024" else "1. Họ và tên"
    items = [
        T("Căn cứ Luật Lý lịch tư pháp ngày 17 tháng 6 năm 2009;"),
        T("SỞ TƯ PHÁP TỈNH NINH BÌNH CHỨNG NHẬN:"),
        F(name_label, _name(p, lay)),
        F("2. Giới tính", p.sex),
        F("3. Ngày, tháng, năm sinh", dmy(p.dob)),
        F("4. Nơi sinh", p.address),
        F("5. Quốc tịch", "Việt Nam"),
        F("6. Nơi cư trú", p.address),
        F("7. Số định danh cá nhân" if lay.form == "2024" else "7. Số CMND/CCCD/Hộ chiếu", p.id_number),
        F("8. Tình trạng án tích", "Không có án tích"),
        F("9. Thông tin về cấm đảm nhiệm chức vụ, thành lập, quản lý doanh nghiệp", "Không bị cấm"),
    ]
    return Paper(
        "LLTP",
        header,
        ["PHIẾU LÝ LỊCH TƯ PHÁP SỐ 1"],
        lay_out(items, lay.style, lay.font),
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
        owners=[_owner(p, "person")],
        people=[_known(p)],
    )


def death_extract(rng: random.Random, lay: LayoutSpec) -> Paper:
    p = person(rng, born=(1925, 1975))
    died = _issue(rng, date(2015, 1, 1))
    reg = died + timedelta(days=rng.randrange(1, 15))
    declarant = person(rng, born=(1960, 2000))
    old = lay.form == "old"
    items = [
        F("Họ và tên người chết" if old else "Họ, chữ đệm, tên", _name(p, lay)),
        F("Ngày, tháng, năm sinh", dmy(p.dob)),
        Share((F("Giới tính", p.sex), F("Dân tộc", p.ethnic), F("Quốc tịch", "Việt Nam"))),
        F("Số định danh cá nhân", p.id_number),
        F("Đã chết vào lúc", f"{rng.randrange(0, 24):02d} giờ {rng.randrange(0, 60):02d} phút, {dmy(died)}"),
        F("Nơi chết", p.address),
        F("Nguyên nhân chết", "Bệnh"),
        F("Họ và tên người khai tử" if old else "Họ, chữ đệm, tên người đi khai tử", _name(declarant, lay)),
        F("Giấy tờ tùy thân", f"CCCD số {declarant.id_number}"),
        F("Ngày, tháng, năm đăng ký", dmy(reg)),
    ]
    return Paper(
        "TLKT",
        _commune_header(p),
        ["TRÍCH LỤC KHAI TỬ"],
        lay_out(items, lay.style, lay.font),
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
        owners=[_owner(p, "person")],
        people=[_known(p)],
    )


def id_card(rng: random.Random, lay: LayoutSpec) -> Paper:
    p = person(rng, born=(1960, 2005))
    issued = _issue(rng, date(max(2016, p.dob.year + 14), 1, 1), date(2024, 6, 30))
    age_at = issued.year - p.dob.year
    expiry_year = next((p.dob.year + a for a in (25, 40, 60) if age_at < a - 2), None)
    fields = {"id_number": p.id_number, "full_name": p.full_name, "date_of_birth": p.dob.isoformat()}
    expiry = "Không thời hạn"
    if expiry_year:
        day = 28 if (p.dob.month, p.dob.day) == (2, 29) else p.dob.day
        fields["valid_until"] = date(expiry_year, p.dob.month, day).isoformat()
        expiry = f"{day:02d}/{p.dob.month:02d}/{expiry_year}"
    if lay.form == "2024":  # Căn cước (Luật Căn cước 2023)
        title = ["CĂN CƯỚC", "IDENTITY CARD"]
        items = [
            F("Số định danh cá nhân / Personal identification number", p.id_number),
            F("Họ, chữ đệm và tên khai sinh / Surname, middle name and given name", p.upper_name),
            F("Ngày, tháng, năm sinh / Date of birth", dmy(p.dob)),
            Share((F("Giới tính / Sex", p.sex), F("Quốc tịch / Nationality", "Việt Nam"))),
            F("Nơi cư trú / Place of residence", p.address),
            F("Ngày, tháng, năm hết hạn / Date of expiry", expiry),
        ]
    else:
        title = ["CĂN CƯỚC CÔNG DÂN", "Citizen Identity Card"]
        items = [
            F("Số / No.", p.id_number),
            F("Họ và tên / Full name", p.upper_name),
            F("Ngày sinh / Date of birth", dmy(p.dob)),
            Share((F("Giới tính / Sex", p.sex), F("Quốc tịch / Nationality", "Việt Nam"))),
            F("Quê quán / Place of origin", p.address),
            F("Nơi thường trú / Place of residence", p.address),
            F("Có giá trị đến / Date of expiry", expiry),
        ]
    if lay.style == "card-above":  # the name and the places on the line under their labels, as the card prints
        body: list[Line] = []
        for item in items:
            if isinstance(item, F) and not item.label.startswith(("Số", "Ngày", "Có")):
                body += [f"{item.label}:", item.value]
            else:
                body += card_lines([item])
    else:
        body = card_lines(items)
    return Paper(
        "CCCD",
        [],
        title,
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
        owners=[_owner(p, "person")],
        people=[_known(p)],
    )


def application_form(rng: random.Random, lay: LayoutSpec) -> Paper:
    applicant = person(rng, born=(1975, 2000))
    child = person(rng, born=(2023, 2025))
    made = child.dob + timedelta(days=rng.randrange(3, 50))
    items = [
        T(f"Kính gửi: Ủy ban nhân dân xã {applicant.commune}"),
        F("Họ, chữ đệm, tên người yêu cầu", _name(applicant, lay)),
        F("Nơi cư trú", applicant.address),
        F("Số định danh cá nhân", applicant.id_number),
        F("Quan hệ với người được khai sinh", "Cha" if applicant.sex == "Nam" else "Mẹ"),
        T("Đề nghị cơ quan đăng ký khai sinh cho người dưới đây:"),
        F("Họ, chữ đệm, tên", _name(child, lay)),
        Share((F("Ngày, tháng, năm sinh", dmy(child.dob)), F("Giới tính", child.sex))),
        F("Nơi sinh", rng.choice(HOSPITALS)),
        T("Tôi cam đoan nội dung đề nghị đăng ký khai sinh trên đây là đúng sự thật"),
        T("và chịu trách nhiệm trước pháp luật về cam đoan của mình."),
    ]
    return Paper(
        "TK",
        [],
        ["TỜ KHAI ĐĂNG KÝ KHAI SINH"],
        lay_out(items, lay.style, lay.font),
        _place(f"Làm tại: {applicant.commune}", made),
        ["Người yêu cầu"],
        applicant.full_name,
        "",
        applicant.id_number,
        {"id_number": applicant.id_number, "full_name": applicant.full_name, "issue_date": made.isoformat()},
        owners=[_owner(applicant, "declarant")],
        people=[_known(applicant)],
    )


BUILDERS = {
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

L = LayoutSpec
LAYOUTS: dict[str, tuple[LayoutSpec, ...]] = {
    # The first layout of each type is the classic one (what ``GENERATORS`` draws); ``held_out`` layouts are
    # kept out of tuning: the benchmark reports them apart (scripts/bench_classify.py --layouts held-out).
    "GKS": (
        L("tt04-inline", "tt04"),
        L("tt04-table", "tt04", "table"),
        L("tt04-mixedcase", "tt04", caps=False),
        L("old2010-grid", "old2010", held_out="A"),
        L("tt04-dotted", "tt04", "dotted", held_out="A"),
        L("tt04-tabs", "tt04", "tabs", held_out="B"),
    ),
    "GCNKH": (
        L("sections-inline", "sections"),
        L("suffix-inline", "suffix"),
        L("suffix-table", "suffix", "table"),
        L("columns", "columns", held_out="A"),
        L("old-grid", "old-grid", held_out="A"),
        L("suffix-above", "suffix", "above", held_out="A"),
        L("suffix-tabs-sans", "suffix", "tabs", held_out="B", font="sans"),
    ),
    "GCNDKDN": (
        L("2021-inline", "2021"),
        L("2021-table", "2021", "table"),
        L("2021-mixedcase", "2021", caps=False),
        L("2015-above", "2021", "above", held_out="A"),
        L("2010-table-mixedcase", "2010", "table", held_out="A", caps=False),
        L("2021-seal", "2021", held_out="A", seal_on_value=True),
        L("2010-underline", "2010", "underline", held_out="B"),
    ),
    "GCNQSDD": (
        L("2014-one", "2014-one"),
        L("2014-two", "2014-two"),
        L("2014-two-table", "2014-two", "table"),
        L("2024", "2024", held_out="A"),
        L("pre2009-table", "pre2009", "table", held_out="A"),
        L("2014-two-tabs", "2014-two", "tabs", held_out="B"),
    ),
    "XNCT": (
        L("ct07-inline", "ct07"),
        L("ct07-table", "ct07", "table"),
        L("ct07-above", "ct07", "above", held_out="A"),
        L("ct07-nocolon", "ct07", "nocolon", held_out="B"),
    ),
    "BTNTHPT": (
        L("2018-id", "2018-id"),
        L("2018-noid-table", "2018-noid", "table"),
        L("old-dotted", "old", "dotted", held_out="A"),
        L("2018-noid-above", "2018-noid", "above", held_out="A"),
        L("old-tabs", "old", "tabs", held_out="B"),
    ),
    "LLTP": (
        L("2024-inline", "2024"),
        L("2013-inline", "2013"),
        L("2024-table", "2024", "table", held_out="A"),
        L("2013-underline", "2013", "underline", held_out="B"),
    ),
    "TLKT": (
        L("tt04-inline", "tt04"),
        L("tt04-table", "tt04", "table"),
        L("old-dotted", "old", "dotted", held_out="A"),
        L("old-tabs", "old", "tabs", held_out="B"),
    ),
    "CCCD": (
        L("2016-above", "2016", "card-above"),
        L("2016-inline", "2016", "card-inline"),
        L("2024-above", "2024", "card-above", held_out="A"),
        L("2024-inline-sans", "2024", "card-inline", held_out="B", font="sans"),
    ),
    "TK": (
        L("tt04-inline", "tt04"),
        L("tt04-mixedcase", "tt04", caps=False),
        L("tt04-table", "tt04", "table", held_out="A"),
        L("tt04-nocolon-sans", "tt04", "nocolon", held_out="B", caps=False, font="sans"),
    ),
}


# A card's text column (``render._render_card``): from 76 pt of the card's left edge to 6 pt short of its right
# one (card 242.6 pt wide), in 6.2 pt type — both enlarged alike when photocopied, so the ratio is what counts.
CARD_TEXT_PT, CARD_TYPE_PT = 242.6 - 76 - 6, 6.2


def card_line_width(line: str, font: str) -> float:
    """The printed width of a card's body line in points (bold serif for a line in capitals, as rendered)."""
    from PIL import ImageFont

    from scripts.samplegen import render

    path = render.BOLD if line.isupper() else (render.SANS if font == "sans" else render.REGULAR)
    return ImageFont.truetype(str(path), 100).getlength(line) * CARD_TYPE_PT / 100


def card_lines(items: list[object]) -> list[Line]:
    """A card's lines, one a field ("Label: value"; two sharing a line as printed): how long they may be is the
    card's business (``fit_card_lines``), not the A4 body's measure ``lay_out`` wraps at."""
    out: list[Line] = []
    for item in items:
        if isinstance(item, Share):
            out.append("    ".join(f"{f.label}: {f.value}" for f in item.items))
        elif isinstance(item, F):
            out.append(f"{item.label}: {item.value}")
        else:
            raise TypeError(f"no such item on a card: {item!r}")
    return out


def fit_card_lines(body: list[Line], font: str) -> list[Line]:
    """A card prints nothing past its edge: a line too long for the text column has its value on the line under
    its label (as the 2024 card prints the name and the number), and a value still too long wraps at a space
    (an address over two lines). A label alone too long is set smaller by the renderer."""
    out: list[Line] = []
    for line in body:
        if isinstance(line, Row) or card_line_width(line, font) <= CARD_TEXT_PT:
            out.append(line)
            continue
        if "    " in line:  # two fields sharing a line: each on its own
            out += fit_card_lines(line.split("    "), font)
            continue
        if ": " not in line:
            out.append(line)
            continue
        label, value = line.split(": ", 1)
        out.append(label + ":")
        words, cur = value.split(), ""
        for w in words:
            if cur and card_line_width(f"{cur} {w}", font) > CARD_TEXT_PT:
                out.append(cur)
                cur = w
            else:
                cur = f"{cur} {w}".strip()
        if cur:
            out.append(cur)
    return out


def make_paper(type_code: str, rng: random.Random, layout: str | None = None) -> Paper:
    """A paper of ``type_code`` printed in ``layout`` (a name of ``LAYOUTS``; None: the type's first layout;
    ``"random"``: one drawn by ``rng``)."""
    layouts = LAYOUTS[type_code]
    if layout is None:
        lay = layouts[0]
    elif layout == "random":
        lay = rng.choice(layouts)
    else:
        lay = next((x for x in layouts if x.name == layout), None)
        if lay is None:
            raise ValueError(f"{type_code} has no layout {layout!r} (known: {', '.join(x.name for x in layouts)})")
    paper = BUILDERS[type_code](rng, lay)
    paper.layout, paper.held_out, paper.font = lay.name, lay.held_out, lay.font
    if paper.card:
        paper.body = fit_card_lines(paper.body, paper.font)
    if not paper.owners:
        paper.owners = [{"role": "person", "owner_id": paper.owner_id}]
    return paper


GENERATORS = {code: functools.partial(make_paper, code) for code in BUILDERS}

from scripts.samplegen.papers2 import MORE_BUILDERS, MORE_LAYOUTS  # noqa: E402  (papers2 builds on the helpers above)

BUILDERS.update(MORE_BUILDERS)
LAYOUTS.update(MORE_LAYOUTS)
GENERATORS.update({code: functools.partial(make_paper, code) for code in MORE_BUILDERS})
