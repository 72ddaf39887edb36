"""三单 (resources, needs, projects) and 微实事: projects led by units, their milestones."""
