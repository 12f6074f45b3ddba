"""The legal clocks the seed notices define, and the platform defaults where no text sets one.

Each row: key, title, jurisdiction code ("" = 全国), jurisdiction name, working days, legal basis,
the words of the basis, the seed document, valid from.  ``services.seed_rules`` loads them once
(a migration does it for every database); later changes are revisions, never edits of these rows.
"""

from datetime import date

# The legal basis as people cite it (文号 and article); the seed names the whole document.
PLATFORM = "平台默认时限（文件未规定）"
HUNAN = "湘商改〔2016〕7号"
BAYINGOL = "巴政办发〔2018〕3号"
GUANGYUAN = "广元市涉企信息统一归集公示工作实施方案"
BAOSHAN = "保山市市场主体信用监管平台推广应用实施方案"
REGULATION = "《企业信息公示暂行条例》"

SEED_HUNAN = (
    "湘商改〔2016〕7号《国家企业信用信息公示系统（部门协同监管平台 湖南）管理和运用试行办法》（种子文件 001）"
)
SEED_BAYINGOL = "巴政办发〔2018〕3号《自治州政府部门涉企信息统一归集公示工作实施方案》（种子文件 000）"
SEED_GUANGYUAN = "《广元市涉企信息统一归集公示工作实施方案》（种子文件 003）"
SEED_BAOSHAN = (
    "《保山市市场主体信用监管平台推广应用实施方案》，保山市人民政府办公室 2018年7月3日印发（种子文件 004）"
)
SEED_REGULATION = "《企业信息公示暂行条例》（国务院令第654号）"

# key, title, jurisdiction, name, days, basis, words, seed, valid_from
RULES: list[tuple[str, str, str, str, int, str, str, str, date]] = [
    # 全国默认
    ("push.claim", "认领或退回", "", "全国", 5, PLATFORM, "", "", date(2025, 1, 1)),
    ("push.confirm", "退回后确认审批部门", "", "全国", 3, PLATFORM, "", "", date(2025, 1, 1)),
    ("push.pool", "公示认领池认领", "", "全国", 5, PLATFORM, "", "", date(2025, 1, 1)),
    ("supervision.decide", "效能督办决定", "", "全国", 3, PLATFORM, "", "", date(2025, 1, 1)),
    # 双随机 责令改正跟踪: no seed sets it (the order itself names the 改正期限); 20 working days
    # match the publish clock the result itself runs on.
    (
        "inspection.rectify", "责令改正跟踪复查", "", "全国", 20,
        "平台默认时限（文件未规定；改正期限以责令改正通知书为准）", "", "", date(2025, 1, 1),
    ),
    # 双随机 抽查计划 (inspection_plan.bpmn): no seed sets a time for approving a plan or for
    # drawing an approved one; 5 working days each are the platform's own default.
    ("inspection.plan_review", "审批抽查计划", "", "全国", 5, PLATFORM, "", "", date(2025, 1, 1)),
    ("inspection.draw", "实施双随机抽取", "", "全国", 5, PLATFORM, "", "", date(2025, 1, 1)),
    # 更正: only 湖南 (seed 001 第十八条) sets it; its 3 working days serve as the platform default.
    ("correct", "数据错误报请更正", "", "全国", 3, "平台默认时限（参照湘商改〔2016〕7号 第十八条）", "", "", date(2025, 1, 1)),
    # 执法检查人员名录库: only 湖南 (seed 001 第八条) sets it; its 7 working days serve as the platform default.
    (
        "inspectors.refresh", "更新执法检查人员名录库", "", "全国", 7,
        "平台默认时限（参照湘商改〔2016〕7号 第八条）", "", "", date(2025, 1, 1),
    ),
    (
        "push.feedback", "许可审批结果反馈", "", "全国", 20, REGULATION,
        "依法应当公示的企业信息自产生之日起20个工作日内予以公示", SEED_REGULATION, date(2014, 10, 1),
    ),
    (
        "collect", "涉企信息归集", "", "全国", 20, REGULATION,
        "依法应当公示的企业信息自产生之日起20个工作日内予以公示", SEED_REGULATION, date(2014, 10, 1),
    ),
    (
        "publish", "公示于企业名下", "", "全国", 20, f"{REGULATION} 第六条",
        "前款规定的企业信息应当自产生之日起20个工作日内予以公示", SEED_REGULATION, date(2014, 10, 1),
    ),
    # 湖南省
    (
        "collect", "涉企信息归集", "430000", "湖南省", 7, f"{HUNAN} 第五条",
        "各部门将在履职过程中产生的行政许可、行政处罚以及其他依法应当公示的信息于信息产生之日起7个工作日内归集至省部门协同监管平台",
        SEED_HUNAN, date(2017, 2, 4),
    ),
    (
        "publish", "公示于企业名下", "430000", "湖南省", 20, f"{HUNAN} 第五条",
        "省工商行政管理局于20个工作日内（含各审批部门、行业主管部门归集至省部门协同监管平台的7个工作日）公示于企业名下",
        SEED_HUNAN, date(2017, 2, 4),
    ),
    (
        "push.feedback", "许可审批结果反馈", "430000", "湖南省", 7, f"{HUNAN} 第七条",
        "各审批（行业主管）部门接收精确推送市场主体信息……将依法应当公示的企业信息于信息产生之日起7个工作日内归集至省部门协同监管平台",
        SEED_HUNAN, date(2017, 2, 4),
    ),
    (
        "inspectors.refresh", "更新执法检查人员名录库", "430000", "湖南省", 7, f"{HUNAN} 第八条",
        "各部门执法检查人员有变动的，应当每7个工作日内更新一次本部门执法检查人员名录库",
        SEED_HUNAN, date(2017, 2, 4),
    ),
    (
        "punish.feedback", "联合惩戒执行情况反馈", "430000", "湖南省", 15, f"{HUNAN} 第九条",
        "使用省部门协同监管平台于做出限制决定之日起15个工作日内反馈执行限制情况",
        SEED_HUNAN, date(2017, 2, 4),
    ),
    (
        "correct", "数据错误报请更正", "430000", "湖南省", 3, f"{HUNAN} 第十八条",
        "各部门提供的数据出现错误的，应当在发现之日起3个工作日内，书面报请省部门协同监管平台运行管理部门予以更正",
        SEED_HUNAN, date(2017, 2, 4),
    ),
    # 巴音郭楞蒙古自治州
    (
        "collect", "涉企信息归集", "652800", "巴音郭楞蒙古自治州", 20, f"{BAYINGOL} 五（一）",
        "将依法应当公示的企业信息于产生之日起20个工作日内归集至协同监管平台", SEED_BAYINGOL, date(2018, 1, 18),
    ),
    (
        "push.feedback", "许可审批结果反馈", "652800", "巴音郭楞蒙古自治州", 20, f"{BAYINGOL} 五（一）、五（二）",
        "将行政许可信息反馈至协同监管平台；依法应当公示的企业信息于产生之日起20个工作日内归集至协同监管平台",
        SEED_BAYINGOL, date(2018, 1, 18),
    ),
    # 广元市
    (
        "collect", "涉企信息归集", "510800", "广元市", 7, f"{GUANGYUAN} 三（二）3",
        "市、县区相关部门应……将依法应公示的企业信息于产生之日起7个工作日内录入共享平台系统", SEED_GUANGYUAN, date(2016, 1, 1),
    ),
    (
        "publish", "公示于企业名下", "510800", "广元市", 20, f"{GUANGYUAN} 三（二）3",
        "由工商部门于20个工作日内（含市、县区相关部门归集信息至工商部门的7个工作日）交换至公示系统并公示于企业名下",
        SEED_GUANGYUAN, date(2016, 1, 1),
    ),
    (
        "collect.batch", "市直部门批量推送", "510800", "广元市", 7, f"{GUANGYUAN} 三（二）2",
        "具备归集本系统全市数据的市直部门，汇总全市本系统的行政许可、行政处罚信息，每7个工作日批量推送至共享交换平台",
        SEED_GUANGYUAN, date(2016, 1, 1),
    ),
    (
        "push.feedback", "许可审批结果反馈", "510800", "广元市", 7, f"{GUANGYUAN} 三（二）3",
        "将依法应公示的企业信息于产生之日起7个工作日内录入共享平台系统", SEED_GUANGYUAN, date(2016, 1, 1),
    ),
    # 保山市
    (
        "collect", "涉企信息归集", "530500", "保山市", 7, f"{BAOSHAN} 第四阶段（一）2",
        "各级联席会议成员单位在行政执法过程中产生的涉企信息，必须于信息产生后7个工作日内自行在平台中录入",
        SEED_BAOSHAN, date(2018, 9, 1),
    ),
    (
        "push.feedback", "许可审批结果反馈", "530500", "保山市", 7, f"{BAOSHAN} 第四阶段（一）2、（三）",
        "在“双告知”模块中接收……推送的新登记市场主体信息……涉企信息必须于信息产生后7个工作日内自行在平台中录入",
        SEED_BAOSHAN, date(2018, 9, 1),
    ),
]  # fmt: skip
