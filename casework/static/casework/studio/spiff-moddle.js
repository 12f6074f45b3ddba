/* The spiffworkflow extension elements our engine reads, as a bpmn-moddle descriptor, so the editor
   reads and writes them as typed elements (properties such as candidate_department). Elements not
   described here are kept as they are on export. */
window.XTSpiffModdle = {
  name: "SpiffWorkflow",
  prefix: "spiffworkflow",
  uri: "http://spiffworkflow.org/bpmn/schema/1.0/core",
  xml: { tagAlias: "lowerCase" },
  associations: [],
  types: [
    {
      name: "Properties",
      superClass: ["Element"],
      meta: { allowedIn: ["*"] },
      properties: [{ name: "values", type: "Property", isMany: true }]
    },
    {
      name: "Property",
      superClass: ["Element"],
      properties: [
        { name: "name", type: "String", isAttr: true },
        { name: "value", type: "String", isAttr: true }
      ]
    }
  ]
};
