import { useAuth } from "../../auth/context";

/** Hand-overs are for managers: customer:update beyond their own customers (team, zone, all). */
export function useMayHandOver(): boolean {
  const { me, can } = useAuth();
  return can("customer", "update") && me?.permissions?.customer?.update !== "own";
}
