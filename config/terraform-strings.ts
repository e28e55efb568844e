/** What would break a Terraform string that a text is written into. */
export type TerraformStringHazard = "quote" | "template" | "control";

/** How each hazard reads after the text ("… holds a quote or a backslash"). */
export const TERRAFORM_STRING_HAZARDS: Readonly<Record<TerraformStringHazard, string>> = {
  quote: "holds a quote or a backslash, which would end or escape the Terraform string it is written into",
  template: 'holds "${" or "%{", which Terraform would read as a template',
  control: "holds a control character (a newline or tab?)",
};

/** The first hazard in `text`, or undefined when it can stand in a Terraform string as it is. */
export function terraformStringHazard(text: string): TerraformStringHazard | undefined {
  if (/["'`\\]/.test(text)) return "quote";
  if (/[$%]\{/.test(text)) return "template";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) return "control";
  return undefined;
}
