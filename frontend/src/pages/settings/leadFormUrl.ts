/** The public submit URL of a web form (absolute, on this site's origin). */
export function formUrl(key: string, origin: string = window.location.origin): string {
  return `${origin.replace(/\/$/, "")}/api/v1/public/forms/${encodeURIComponent(key)}/leads`;
}
