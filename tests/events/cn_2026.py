"""The State Council's 2026 holiday arrangement as published, to check the chinesecalendar package against.

It used to be typed into app/events/calendar.py; the package is the one source now, and this copy
of the notice is what the tests hold it to."""

#: The official 2026 arrangement (国务院办公厅关于2026年部分节假日安排的通知,
#: 2025-11-04), checked against the published text. Holidays are inclusive
#: ``[first, last]`` ranges; ``workdays`` are the adjusted working days.
CN_2026: dict = {
    "holidays": {
        "new_year": ["2026-01-01", "2026-01-03"],         # 元旦, Thu–Sat
        "spring_festival": ["2026-02-15", "2026-02-23"],  # 春节, Sun–Mon, 9 days
        "qingming": ["2026-04-04", "2026-04-06"],         # 清明, Sat–Mon
        "labour_day": ["2026-05-01", "2026-05-05"],       # 劳动节, Fri–Tue
        "dragon_boat": ["2026-06-19", "2026-06-21"],      # 端午, Fri–Sun
        "mid_autumn": ["2026-09-25", "2026-09-27"],       # 中秋, Fri–Sun
        "national_day": ["2026-10-01", "2026-10-07"],     # 国庆, Thu–Wed
    },
    "workdays": [
        "2026-01-04",  # Sun, for 元旦
        "2026-02-14",  # Sat, for 春节
        "2026-02-28",  # Sat, for 春节
        "2026-05-09",  # Sat, for 劳动节
        "2026-09-20",  # Sun, for 国庆
        "2026-10-10",  # Sat, for 国庆
    ],
}
