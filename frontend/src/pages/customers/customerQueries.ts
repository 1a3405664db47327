import { api } from "../../api/client";
import { ApiError } from "../../api/problem";
import type { Customer } from "../../api/types";

export interface CustomerWithEtag {
  customer: Customer;
  etag: string | null;
}

export function customerKey(id: string) {
  return ["customers", "detail", id] as const;
}

export async function fetchCustomer(id: string): Promise<CustomerWithEtag> {
  const { data, error, response } = await api.GET("/api/v1/customers/{customer_id}", {
    params: { path: { customer_id: id } },
  });
  if (!response.ok || !data) throw ApiError.from(response, error);
  return { customer: data, etag: response.headers.get("ETag") };
}

/** Don't retry what the server answered on purpose (404 not visible, 401, 403...). */
export function retryUnlessClientError(count: number, error: Error): boolean {
  if (error instanceof ApiError && error.status < 500) return false;
  return count < 2;
}
