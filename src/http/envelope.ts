/** The Papr v1 success envelope: `{ code, status: "success", data, error: null, details: null }`. */
export function success<T>(data: T, extra: Record<string, unknown> = {}, code = 200) {
  return { code, status: 'success' as const, data, error: null, details: null, ...extra };
}
