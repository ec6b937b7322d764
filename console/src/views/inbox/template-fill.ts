/** A WhatsApp template's body with its {{1}}, {{2}}… placeholders filled in order; an empty one stays visible. */
export function fillTemplate(bodyText: string, parameters: string[]): string {
  return bodyText.replace(/\{\{(\d+)\}\}/g, (whole, n: string) => {
    const value = parameters[Number(n) - 1];
    return value && value.trim() !== '' ? value : whole;
  });
}

/** Every placeholder has a value: only then may the template go (Meta refuses a missing parameter). */
export function templateComplete(parameterCount: number, parameters: string[]): boolean {
  for (let i = 0; i < parameterCount; i++) if (!parameters[i] || parameters[i].trim() === '') return false;
  return true;
}
