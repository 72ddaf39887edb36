"""在职党员回家报到: 报到单, 积分周·回家日, sealed quarterly statements per employer."""
