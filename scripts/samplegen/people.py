"""Realistic Vietnamese names, places, ID numbers, enterprise codes and dates."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from catalog.codes import enterprise_check_digit

SURNAMES = [
    ("Nguyễn", 38),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 7),
    ("Hoàng", 5),
    ("Huỳnh", 4),
    ("Phan", 4),
    ("Vũ", 4),
    ("Võ", 3),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 1),
    ("Lý", 1),
    ("Đinh", 2),
    ("Trịnh", 1),
    ("Lương", 1),
    ("Mai", 1),
]
MIDDLE_M = ["Văn", "Đức", "Minh", "Quang", "Hữu", "Thanh", "Xuân", "Công", "Ngọc", "Trọng", "Tiến", "Duy"]
MIDDLE_F = ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Phương", "Hồng", "Kim", "Thùy", "Bích"]
GIVEN_M = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Đạt",
    "Hải",
    "Hiếu",
    "Hùng",
    "Huy",
    "Khánh",
    "Long",
    "Lâm",
    "Minh",
    "Nam",
    "Nghĩa",
    "Phong",
    "Phúc",
    "Quân",
    "Sơn",
    "Tài",
    "Thắng",
    "Thành",
    "Trung",
    "Tuấn",
    "Việt",
    "Vinh",
    "Hoàng",
    "Đông",
    "Kiên",
    "Lộc",
]
GIVEN_F = [
    "Anh",
    "Châu",
    "Dung",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hoa",
    "Hương",
    "Huyền",
    "Lan",
    "Liên",
    "Linh",
    "Loan",
    "Mai",
    "My",
    "Nga",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phương",
    "Quyên",
    "Thảo",
    "Thủy",
    "Trang",
    "Tuyết",
    "Uyên",
    "Vân",
    "Vy",
    "Yến",
]
ETHNIC = [("Kinh", 90), ("Mường", 6), ("Tày", 2), ("Thái", 2)]

# Ninh Bình: district -> communes
NINH_BINH = {
    "huyện Hoa Lư": ["Ninh Hải", "Ninh Xuân", "Ninh Giang", "Trường Yên", "Ninh Vân", "Ninh An", "Ninh Mỹ"],
    "huyện Gia Viễn": ["Gia Sinh", "Gia Tân", "Gia Lập", "Gia Vân", "Gia Hòa", "Gia Thanh"],
    "huyện Nho Quan": ["Cúc Phương", "Kỳ Phú", "Phú Long", "Văn Phương", "Gia Lâm", "Quảng Lạc"],
    "huyện Yên Khánh": ["Khánh An", "Khánh Cư", "Khánh Hòa", "Khánh Phú", "Khánh Thiện"],
    "huyện Yên Mô": ["Yên Thái", "Yên Từ", "Yên Mạc", "Yên Phong", "Mai Sơn"],
    "huyện Kim Sơn": ["Kim Chính", "Kim Định", "Như Hòa", "Lai Thành", "Chất Bình"],
}
STREETS = [
    "Trần Hưng Đạo",
    "Lê Hồng Phong",
    "Đinh Tiên Hoàng",
    "Lương Văn Thụy",
    "Nguyễn Huệ",
    "Tràng An",
    "Xuân Thành",
    "Hải Thượng Lãn Ông",
]
HOSPITALS = ["Bệnh viện Đa khoa tỉnh Ninh Bình", "Bệnh viện Sản Nhi Ninh Bình", "Trung tâm Y tế huyện Hoa Lư"]
BUSINESS_WORDS = ["THƯƠNG MẠI", "XÂY DỰNG", "DỊCH VỤ", "DU LỊCH", "VẬN TẢI", "NÔNG SẢN", "CÔNG NGHỆ", "SẢN XUẤT"]
BUSINESS_NAMES = ["HOA LƯ", "TRÀNG AN", "TAM CỐC", "BÁI ĐÍNH", "VÂN LONG", "CÚC PHƯƠNG", "KIM SƠN", "NINH PHÚC"]
PROVINCE_WEIGHTS = [("037", 70), ("036", 8), ("035", 6), ("038", 6), ("001", 6), ("079", 4)]


@dataclass(frozen=True)
class Person:
    surname: str
    middle: str
    given: str
    sex: str  # "Nam" | "Nữ"
    dob: date
    id_number: str
    ethnic: str
    commune: str
    district: str

    @property
    def full_name(self) -> str:
        return f"{self.surname} {self.middle} {self.given}"

    @property
    def upper_name(self) -> str:
        return self.full_name.upper()

    @property
    def address(self) -> str:
        return f"Xã {self.commune}, {self.district}, tỉnh Ninh Bình"


def weighted(rng: random.Random, items: list[tuple[str, int]]) -> str:
    return rng.choices([i for i, _ in items], weights=[w for _, w in items])[0]


def random_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def personal_id(rng: random.Random, dob: date, sex: str, province: str | None = None) -> str:
    province = province or weighted(rng, PROVINCE_WEIGHTS)
    century = (dob.year // 100) - 19  # 1900s -> 0, 2000s -> 1
    digit = century * 2 + (0 if sex == "Nam" else 1)
    return f"{province}{digit}{dob.year % 100:02d}{rng.randrange(1_000_000):06d}"


def enterprise_code(rng: random.Random) -> str:
    while True:
        first9 = "27" + f"{rng.randrange(10_000_000):07d}"  # 27: Ninh Bình tax office prefix
        check = enterprise_check_digit(first9)
        if check is not None:
            return first9 + str(check)


def person(rng: random.Random, *, sex: str | None = None, born: tuple[int, int] = (1950, 2005)) -> Person:
    sex = sex or rng.choice(["Nam", "Nữ"])
    dob = random_date(rng, date(born[0], 1, 1), date(born[1], 12, 31))
    district = rng.choice(list(NINH_BINH))
    return Person(
        surname=weighted(rng, SURNAMES),
        middle=rng.choice(MIDDLE_M if sex == "Nam" else MIDDLE_F),
        given=rng.choice(GIVEN_M if sex == "Nam" else GIVEN_F),
        sex=sex,
        dob=dob,
        id_number=personal_id(rng, dob, sex),
        ethnic=weighted(rng, ETHNIC),
        commune=rng.choice(NINH_BINH[district]),
        district=district,
    )


def dmy(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def words_date(d: date) -> str:
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"
