//! What the demo shop is made of: Vietnamese names and places, and a small catalog.

/// Family names, the most common first.
pub const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý",
];

/// Middle names that mark a woman's name.
pub const MIDDLE_FEMALE: &[&str] = &["Thị", "Ngọc", "Thu", "Thanh", "Bảo"];

/// Middle names that mark a man's name.
pub const MIDDLE_MALE: &[&str] = &["Văn", "Minh", "Đức", "Quang", "Gia"];

/// Given names of women.
pub const GIVEN_FEMALE: &[&str] = &[
    "Lan", "Hoa", "Mai", "Linh", "Trang", "Hương", "Thảo", "Vy", "Yến", "Quỳnh", "Hạnh", "Châu",
    "Giang", "Phương", "Ánh",
];

/// Given names of men.
pub const GIVEN_MALE: &[&str] = &[
    "An", "Bình", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Sơn", "Tuấn", "Hiếu",
    "Tâm", "Đạt", "Khoa",
];

/// Provinces and some of their districts.
pub const PLACES: &[(&str, &[&str])] = &[
    ("Hà Nội", &["Ba Đình", "Hoàn Kiếm", "Cầu Giấy", "Đống Đa"]),
    (
        "TP Hồ Chí Minh",
        &["Quận 1", "Quận 3", "Bình Thạnh", "Thủ Đức"],
    ),
    ("Đà Nẵng", &["Hải Châu", "Sơn Trà"]),
    ("Hải Phòng", &["Lê Chân", "Ngô Quyền"]),
    ("Cần Thơ", &["Ninh Kiều"]),
    ("Thừa Thiên Huế", &["TP Huế"]),
];

/// Mobile prefixes the phone library accepts as Vietnamese.
pub const PHONE_PREFIXES: &[&str] = &["090", "091", "093", "094", "096", "097", "098", "086"];

/// A product of the demo catalog.
#[derive(Debug, Clone, Copy)]
pub struct Product {
    /// The channel's product id.
    pub id: &'static str,
    /// Its group (what group offers target).
    pub group: &'static str,
    /// Unit price, VND.
    pub price: i64,
}

/// The demo shop sells clothes, and coffee at its counter.
pub const CATALOG: &[Product] = &[
    Product {
        id: "ao-thun-trang",
        group: "ao-thun",
        price: 199_000,
    },
    Product {
        id: "ao-thun-den",
        group: "ao-thun",
        price: 219_000,
    },
    Product {
        id: "ao-so-mi",
        group: "ao-so-mi",
        price: 349_000,
    },
    Product {
        id: "quan-jean",
        group: "quan",
        price: 459_000,
    },
    Product {
        id: "vay-hoa",
        group: "vay",
        price: 529_000,
    },
    Product {
        id: "tui-xach",
        group: "phu-kien",
        price: 890_000,
    },
    Product {
        id: "mu-luoi-trai",
        group: "phu-kien",
        price: 149_000,
    },
    Product {
        id: "giay-the-thao",
        group: "giay",
        price: 1_250_000,
    },
    Product {
        id: "ca-phe-sua",
        group: "do-uong",
        price: 35_000,
    },
];
