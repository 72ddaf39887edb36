"""物业互评: quarterly cross-evaluation of property companies, findings tracked to fixes."""
