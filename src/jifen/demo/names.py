"""Plausible, invented Chinese names for demo residents (no real person's name)."""

import random

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧建平刚桂兰玉辉鹏宇红霞志荣文斌春梅燕丹萍亮成林海峰雪琴晶"
    "飞波斌宁欣怡佳琪子涵浩然淑珍国庆德福秀兰凤英桂芳金花建国建华永红"
)


def invented_names(count: int, seed: int = 2025) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        given_len = 1 if rng.random() < 0.3 else 2
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(given_len))
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names
