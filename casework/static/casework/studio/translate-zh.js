/* Chinese labels for the bpmn-js modeler's palette, context pad and replace menu.
   bpmn-js lets a page replace its `translate` service; strings it does not know stay as they are. */
(function () {
  var zh = {
    "Activate create/remove space tool": "插入/删除空间", "Activate global connect tool": "连线工具",
    "Activate hand tool": "抓手（拖动画布）", "Activate lasso tool": "框选工具",
    "Add lane above": "在上方添加泳道", "Add lane below": "在下方添加泳道", "Add text annotation": "添加文字注释",
    "Align elements": "对齐", "Append compensation activity": "追加补偿活动",
    "Append conditional intermediate catch event": "追加条件中间事件", "Append end event": "追加结束事件",
    "Append gateway": "追加网关", "Append intermediate/boundary event": "追加中间/边界事件",
    "Append message intermediate catch event": "追加消息中间事件", "Append receive task": "追加接收任务",
    "Append signal intermediate catch event": "追加信号中间事件", "Append task": "追加任务",
    "Append timer intermediate catch event": "追加定时器中间事件", "Change element": "更改类型",
    "Change type": "更改类型", "Collection": "集合", "Connect to other element": "连接到其他元素",
    "Connect using association": "用关联连接", "Connect using data input association": "用数据输入关联连接",
    "Connect using sequence/message flow or association": "用顺序流/消息流或关联连接",
    "Create data object reference": "数据对象", "Create data store reference": "数据存储",
    "Create end event": "结束事件", "Create expanded sub-process": "展开的子流程", "Create gateway": "网关",
    "Create group": "分组", "Create intermediate/boundary event": "中间/边界事件",
    "Create pool/participant": "池/参与者", "Create start event": "开始事件", "Create task": "任务",
    "Delete": "删除", "Distribute elements horizontally": "水平均分", "Distribute elements vertically": "垂直均分",
    "Divide into three lanes": "分为三个泳道", "Divide into two lanes": "分为两个泳道", "Loop": "循环",
    "Open {element}": "打开 {element}", "Parallel multi-instance": "并行多实例",
    "Participant multiplicity": "参与者多重性", "Search in diagram": "在流程图中搜索",
    "Sequential multi-instance": "串行多实例", "Toggle non-interrupting": "切换非中断",
    "Ad-hoc sub-process (collapsed)": "临时子流程（折叠）", "Ad-hoc sub-process (expanded)": "临时子流程（展开）",
    "Ad-hoc sub-process": "临时子流程", "Boundary event": "边界事件", "Business rule task": "业务规则任务",
    "Call activity": "调用活动", "Cancel boundary event": "取消边界事件", "Cancel end event": "取消结束事件",
    "Compensation boundary event": "补偿边界事件", "Compensation end event": "补偿结束事件",
    "Compensation intermediate throw event": "补偿中间抛出事件", "Compensation start event": "补偿开始事件",
    "Complex gateway": "复杂网关", "Conditional boundary event (non-interrupting)": "条件边界事件（非中断）",
    "Conditional boundary event": "条件边界事件", "Conditional flow": "条件顺序流",
    "Conditional intermediate catch event": "条件中间捕获事件",
    "Conditional start event (non-interrupting)": "条件开始事件（非中断）", "Conditional start event": "条件开始事件",
    "Data object reference": "数据对象", "Data store reference": "数据存储", "Default flow": "默认顺序流",
    "Empty pool/participant": "空的池/参与者", "End event": "结束事件", "Error boundary event": "错误边界事件",
    "Error end event": "错误结束事件", "Error start event": "错误开始事件",
    "Escalation boundary event (non-interrupting)": "升级边界事件（非中断）", "Escalation boundary event": "升级边界事件",
    "Escalation end event": "升级结束事件", "Escalation intermediate throw event": "升级中间抛出事件",
    "Escalation start event (non-interrupting)": "升级开始事件（非中断）", "Escalation start event": "升级开始事件",
    "Event based instantiating Gateway": "事件实例化网关", "Event sub-process": "事件子流程",
    "Event-based gateway": "事件网关", "Exclusive gateway": "排他网关", "Expanded pool/participant": "展开的池/参与者",
    "Inclusive gateway": "包容网关", "Intermediate throw event": "中间抛出事件",
    "Link intermediate catch event": "链接中间捕获事件", "Link intermediate throw event": "链接中间抛出事件",
    "Manual task": "手工任务", "Message boundary event (non-interrupting)": "消息边界事件（非中断）",
    "Message boundary event": "消息边界事件", "Message end event": "消息结束事件",
    "Message intermediate catch event": "消息中间捕获事件", "Message intermediate throw event": "消息中间抛出事件",
    "Message start event (non-interrupting)": "消息开始事件（非中断）", "Message start event": "消息开始事件",
    "Parallel Event based instantiating Gateway": "并行事件实例化网关", "Parallel gateway": "并行网关",
    "Receive task": "接收任务", "Script task": "脚本任务", "Send task": "发送任务", "Sequence flow": "顺序流",
    "Service task": "服务任务", "Signal boundary event (non-interrupting)": "信号边界事件（非中断）",
    "Signal boundary event": "信号边界事件", "Signal end event": "信号结束事件",
    "Signal intermediate catch event": "信号中间捕获事件", "Signal intermediate throw event": "信号中间抛出事件",
    "Signal start event (non-interrupting)": "信号开始事件（非中断）", "Signal start event": "信号开始事件",
    "Start event": "开始事件", "Sub-process (collapsed)": "子流程（折叠）", "Sub-process (expanded)": "子流程（展开）",
    "Sub-process": "子流程", "Task": "任务", "Terminate end event": "终止结束事件",
    "Timer boundary event (non-interrupting)": "定时器边界事件（非中断）", "Timer boundary event": "定时器边界事件",
    "Timer intermediate catch event": "定时器中间捕获事件", "Timer start event (non-interrupting)": "定时器开始事件（非中断）",
    "Timer start event": "定时器开始事件", "Transaction": "事务", "User task": "用户任务",
    "Search in diagram": "在流程图中搜索", "Type to search": "输入以搜索"
  };
  function translate(template, replacements) {
    replacements = replacements || {};
    template = zh[template] || template;
    return template.replace(/{([^}]+)}/g, function (_, key) {
      return replacements[key] !== undefined ? replacements[key] : "{" + key + "}";
    });
  }
  window.XTStudioTranslate = { translate: ["value", translate] };
})();
