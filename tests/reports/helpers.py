"""What the report tests share: a hotline export with Chinese headers (good rows and bad)."""

CSV_ZH = """类别,渠道,问题描述,经度,纬度,坐标系,事发地址,联系电话,状态,上报时间
0402,hotline_12345,占道停车,113.6150,34.7525,,伊河路148号院,13800000000,accepted,2026-11-20 09:30
0601,worker_app,楼道电动车充电,113.6350,34.7420,,前进路32号楼,,reported,
0102,hotline_12345,垃圾未清运,abc,34.75,,建设路,,reported,
9999,hotline_12345,未知类别,113.61,34.75,,,,reported,
0701,walk_in,噪音扰民,113.70,34.75,,区外一点,,reported,
"""
