"""双随机、一公开 (``bpmn/random_inspection.bpmn``): the two directories (检查对象名录库,
执法检查人员名录库), the 抽查事项清单, plans and replayable draws, inspections on the inspectors'
phones and the publication of results as 抽查检查结果 records."""
