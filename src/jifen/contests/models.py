"""项目大赛: stages, submissions, judges' weighted scores, published results."""
