//! The names the demo tenant uses. Street names are real street (街道) names of 兰州市城关区,
//! but their codes, boundaries and positions here are synthetic; road names are real Lanzhou
//! road names placed on synthetic lines; community, lane and place names are made up.

/// Twenty real 街道 of 城关区, in the order the demo numbers them (001–020).
pub(crate) const STREETS: [&str; 20] = [
    "酒泉路街道",
    "张掖路街道",
    "雁南街道",
    "临夏路街道",
    "雁北街道",
    "五泉街道",
    "白银路街道",
    "皋兰路街道",
    "广武门街道",
    "伏龙坪街道",
    "靖远路街道",
    "草场街街道",
    "火车站街道",
    "拱星墩街道",
    "东岗街道",
    "团结新村街道",
    "东岗西路街道",
    "铁路东村街道",
    "铁路西村街道",
    "渭源路街道",
];

/// East–west roads, north to south (the first and last run along the area's edges).
pub(crate) const EAST_WEST_ROADS: [&str; 6] = [
    "滨河东路",
    "张掖路",
    "庆阳路",
    "武都路",
    "民主东路",
    "东岗西路",
];

/// North–south roads, west to east.
pub(crate) const NORTH_SOUTH_ROADS: [&str; 5] =
    ["中山路", "酒泉路", "天水北路", "雁滩路", "焦家湾路"];

/// One lane (巷) inside each street, between its two rows of communities.
pub(crate) const LANES: [&str; 20] = [
    "永昌巷",
    "金塔巷",
    "通渭巷",
    "颜家巷",
    "南滩巷",
    "孙家巷",
    "贡元巷",
    "积德巷",
    "横街巷",
    "道升巷",
    "秦安巷",
    "畅家巷",
    "陇西巷",
    "和政巷",
    "正宁巷",
    "宁卧庄巷",
    "安定巷",
    "红山巷",
    "学院巷",
    "皋兰巷",
];

/// First and second characters of community names (10 × 10 = 100 distinct names).
pub(crate) const COMMUNITY_FIRST: [&str; 10] =
    ["东", "西", "南", "北", "金", "新", "安", "华", "兴", "和"];
/// See [`COMMUNITY_FIRST`].
pub(crate) const COMMUNITY_SECOND: [&str; 10] =
    ["园", "苑", "港", "湾", "桥", "林", "台", "庄", "坪", "滩"];

/// Kinds of named place, one per community (e.g. 东园广场).
pub(crate) const PLACE_KINDS: [&str; 6] =
    ["广场", "小学", "菜市场", "公园", "卫生服务站", "幼儿园"];

/// Surnames and given-name characters for synthetic user names.
pub(crate) const SURNAMES: [&str; 16] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "马", "何", "罗", "郭", "魏", "闫",
];
/// See [`SURNAMES`].
pub(crate) const GIVEN: [&str; 20] = [
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞",
    "平", "刚", "桂英", "建华",
];

/// The departments: short code (used by every other file), name, and what they look after.
pub(crate) const DEPARTMENTS: [(&str, &str); 15] = [
    ("hw", "城关区市容环境卫生管理局"),
    ("hwdp", "城关区环卫作业公司（东片）"),
    ("zj", "城关区住房和城乡建设局"),
    ("zf", "城关区城市管理行政执法局"),
    ("yl", "城关区园林绿化局"),
    ("ld", "城关区路灯管理所"),
    ("gd", "国网兰州供电公司"),
    ("zls", "兰州市自来水公司"),
    ("ps", "兰州市排水公司"),
    ("rl", "兰州市热力公司"),
    ("rq", "兰州市燃气公司"),
    ("jj", "兰州市公安局交警支队城关大队"),
    ("ga", "兰州市公安局城关分局"),
    ("dx", "中国电信兰州分公司"),
    ("gdds", "甘肃广电网络兰州分公司"),
];

/// Child units (三级 units and 作业班组) of three 二级 departments: code, parent code, name. The
/// 执法局's 中队 take the 占道经营 and 乱张贴 matters, the 环卫局's 班组 the sanitation work and the
/// 排水公司's 班 the drains (docs/departments.md: one level deep, the 二级 unit stays the case's
/// department).
pub(crate) const CHILD_UNITS: [(&str, &str, &str); 7] = [
    ("zf-zyl", "zf", "城关区城市管理行政执法局张掖路中队"),
    ("zf-dg", "zf", "城关区城市管理行政执法局东岗中队"),
    ("zf-yn", "zf", "城关区城市管理行政执法局雁南中队"),
    ("hw-qs", "hw", "城关区市容环境卫生管理局清扫保洁班组"),
    ("hw-qy", "hw", "城关区市容环境卫生管理局垃圾清运班组"),
    ("ps-wx", "ps", "兰州市排水公司城关管网维修班"),
    ("ps-sl", "ps", "兰州市排水公司城关管道疏通班"),
];

/// Component types placed in the demo: code, weight (per mille of components), owner and
/// maintainer department. East streets use `hwdp` instead of `hw` as maintainer.
pub(crate) const COMPONENT_TYPES: [(&str, u32, &str); 24] = [
    ("01001", 80, "zls"),
    ("01002", 80, "ps"),
    ("01003", 80, "ps"),
    ("01004", 60, "ps"),
    ("01005", 40, "gd"),
    ("01006", 30, "ld"),
    ("01007", 40, "dx"),
    ("01008", 20, "gdds"),
    ("01009", 20, "dx"),
    ("01010", 40, "rl"),
    ("01011", 30, "rq"),
    ("01012", 10, "ga"),
    ("01037", 120, "ld"),
    ("02010", 20, "jj"),
    ("02012", 20, "zj"),
    ("02014", 10, "jj"),
    ("02017", 20, "jj"),
    ("03001", 5, "hw"),
    ("03005", 100, "hw"),
    ("03008", 10, "zf"),
    ("04002", 140, "yl"),
    ("04007", 20, "yl"),
    ("04011", 15, "yl"),
    ("04005", 10, "yl"),
];
