import type { CartState } from '../../domain/cart/cart.ts';
import type { UserId } from '../../domain/shared/ids.ts';
import type { Rate } from '../../domain/shared/money.ts';
import { presentCart } from '../../infra/http/cart-body.ts';

/** API.md's cart body for a command's response, computed from the aggregate's state. */
export const cartBody = (state: CartState, options: { taxRate: Rate; userId: UserId }) =>
  presentCart(state, options);
