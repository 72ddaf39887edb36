"""驻区单位 and 红色积分联盟: unit accounts, the alliance, unit rankings."""
