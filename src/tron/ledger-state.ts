// The TRON world state the local node keeps: accounts with TRX (sun) and TRC-10 balances (assetV2). Pure: validate
// a transfer against a state, apply it to a copy. Error texts follow java-tron's actuators so clients see the same.
import type { DecodedTransfer, HexAddress } from './transaction.ts';

/** BTT's TRC-10 token id on TRON main net. */
export const BTT_TOKEN_ID = '1002000';
/** 1 TRX = 1,000,000 sun. */
export const SUN_PER_TRX = 1_000_000n;
/** Creating an account by sending to a new address costs the sender 1 TRX here (java-tron: a chain parameter). */
export const ACCOUNT_CREATE_FEE_SUN = 1n * SUN_PER_TRX;
/** int64 on the wire: nothing may exceed it. */
export const MAX_INT64 = (1n << 63n) - 1n;

export interface TronAccount {
  readonly balance_sun: bigint;
  /** TRC-10 balances by token id. */
  readonly assets: ReadonlyMap<string, bigint>;
  readonly create_time_ms: number;
}

export type WorldState = Map<HexAddress, TronAccount>;

export type TransferVerdict = { ok: true; fee_sun: bigint } | { ok: false; message: string };

export function cloneState(state: ReadonlyMap<HexAddress, TronAccount>): WorldState {
  return new Map(state);
}

/** The checks of TransferActuator / TransferAssetActuator, in their order. */
export function validateTransfer(state: ReadonlyMap<HexAddress, TronAccount>, t: DecodedTransfer): TransferVerdict {
  const isAsset = t.type === 'TransferAssetContract';
  const actuator = isAsset ? 'TransferAssetActuator' : 'TransferActuator';
  if (t.amount <= 0n) return { ok: false, message: 'Amount must be greater than 0.' };
  if (t.amount > MAX_INT64) return { ok: false, message: 'Amount is out of range.' };
  if (t.owner === t.to) return { ok: false, message: isAsset ? 'Cannot transfer asset to yourself.' : 'Cannot transfer TRX to yourself.' };
  const owner = state.get(t.owner);
  if (!owner) return { ok: false, message: `Validate ${actuator} error, no OwnerAccount.` };
  const fee_sun = state.has(t.to) ? 0n : ACCOUNT_CREATE_FEE_SUN;
  if (isAsset) {
    if (t.asset !== BTT_TOKEN_ID) return { ok: false, message: 'No asset!' };
    const held = owner.assets.get(t.asset);
    if (held === undefined) return { ok: false, message: 'Owner has no asset!' };
    if (held < t.amount) return { ok: false, message: 'assetBalance is not sufficient.' };
    if (owner.balance_sun < fee_sun) return { ok: false, message: `Validate ${actuator} error, insufficient fee.` };
    return { ok: true, fee_sun };
  }
  if (owner.balance_sun < t.amount + fee_sun) return { ok: false, message: 'Validate TransferContract error, balance is not sufficient.' };
  return { ok: true, fee_sun };
}

/** Applies a validated transfer to `state` in place, at block time `at_ms` (new accounts are created then). */
export function applyTransfer(state: WorldState, t: DecodedTransfer, fee_sun: bigint, at_ms: number): void {
  const owner = state.get(t.owner);
  if (!owner) throw new Error('applyTransfer: owner missing (validate first)');
  const to: TronAccount = state.get(t.to) ?? { balance_sun: 0n, assets: new Map(), create_time_ms: at_ms };
  if (t.type === 'TransferAssetContract') {
    const ownerAssets = new Map(owner.assets);
    ownerAssets.set(t.asset, (ownerAssets.get(t.asset) ?? 0n) - t.amount);
    state.set(t.owner, { ...owner, balance_sun: owner.balance_sun - fee_sun, assets: ownerAssets });
    const toAssets = new Map(to.assets);
    toAssets.set(t.asset, (toAssets.get(t.asset) ?? 0n) + t.amount);
    state.set(t.to, { ...to, assets: toAssets });
  } else {
    state.set(t.owner, { ...owner, balance_sun: owner.balance_sun - t.amount - fee_sun });
    state.set(t.to, { ...to, balance_sun: to.balance_sun + t.amount });
  }
  for (const [address, account] of [[t.owner, state.get(t.owner)], [t.to, state.get(t.to)]] as const) {
    if (!account || account.balance_sun < 0n || [...account.assets.values()].some((v) => v < 0n)) {
      throw new Error(`applyTransfer: ${address} would go negative`);
    }
  }
}

/** Total TRC-10 `asset` held by every account: the node checks this never changes (tokens are only moved). */
export function assetSupply(state: ReadonlyMap<HexAddress, TronAccount>, asset: string): bigint {
  let total = 0n;
  for (const account of state.values()) total += account.assets.get(asset) ?? 0n;
  return total;
}
