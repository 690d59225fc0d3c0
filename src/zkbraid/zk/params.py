"""The ZK chain's parameters: one typed, frozen object with documented defaults (STYLE.md §7).

Tree depths fix the circuits' shapes: changing one changes every root and needs new circuits.
"""

from dataclasses import dataclass

from zkbraid.errors import OutOfRange

U64_MAX = 2**64 - 1
U128_MAX = 2**128 - 1

# Widths the transaction encoding accepts (transactions.py); parameters may only narrow them.
ENCODING_ID_BITS = 64
ENCODING_AMOUNT_BITS = 128
ENCODING_NONCE_BITS = 64
ENCODING_FEE_BITS = 64

# The bridge's token: L1 ETH is ZK-chain token 0, the only token Deposit and Withdraw move. A
# constant of the circuits (circuits/zk_tx.circom), not a parameter.
BRIDGE_TOKEN = 0
L1_AMOUNT_BOUND = 2**96
"""The bridge contract holds amounts below 2**96 wei: deposits are below it, and so must be
withdrawals (zk/stf.py)."""


# The hybrid (docs/hybrid.md). Constants of the circuits, not parameters: a game collection mints
# at most 2^32 - 1 NFTs a round, rounds are U32, listing expiries and block times U64 seconds.
CAP_BITS = 32
ROUND_BITS = 32
TIME_BITS = 64
MOVE_TOKEN = 0
"""The token moves between the chains carry: ZK token 0 is the fast chain's native coin."""


class InvalidParams(OutOfRange):
    """A parameter outside what the encoding, the trees or the circuits support."""


@dataclass(frozen=True)
class ZkParams:
    """Chain id, tree depths and value widths of the ZK chain."""

    # The ZK chain's id ("zk" in ASCII); signed into every transaction.
    chain_id: int = 0x7A6B
    # Accounts tree: leaf index = account index, assigned 0, 1, 2, … at registration (~1M accounts).
    account_depth: int = 20
    # Per-account balances tree: leaf index = token id, leaf = the balance (1,024 tokens).
    token_depth: int = 10
    # NFTs tree: leaf index = NFT id, assigned 0, 1, 2, … at mint (~1M NFTs).
    nft_depth: int = 20
    # Collections tree: leaf index = collection id (65,536 collections).
    collection_depth: int = 16
    # Amounts and balances are U128: a credit that would pass 2^128 - 1 is refused.
    amount_bits: int = 128
    # Nonces are U64.
    nonce_bits: int = 64
    # Fees (charged in ZKPoW by the node, carried by the transaction) are U64.
    fee_bits: int = 64

    def __post_init__(self) -> None:
        if not 0 <= self.chain_id <= U64_MAX:
            raise InvalidParams(f"chain_id must be a U64, got {self.chain_id}")
        for name in ("account_depth", "token_depth", "nft_depth", "collection_depth"):
            depth = getattr(self, name)
            if not 1 <= depth <= ENCODING_ID_BITS:
                raise InvalidParams(f"{name} must be in 1..{ENCODING_ID_BITS}, got {depth}")
        for name, limit in (
            ("amount_bits", ENCODING_AMOUNT_BITS),
            ("nonce_bits", ENCODING_NONCE_BITS),
            ("fee_bits", ENCODING_FEE_BITS),
        ):
            bits = getattr(self, name)
            if not 1 <= bits <= limit:
                raise InvalidParams(f"{name} must be in 1..{limit}, got {bits}")

    @property
    def max_accounts(self) -> int:
        return 1 << self.account_depth

    @property
    def escrow_index(self) -> int:
        """The fast-chain escrow's leaf: the accounts tree's last, never a registered account."""
        return self.max_accounts - 1

    @property
    def max_tokens(self) -> int:
        return 1 << self.token_depth

    @property
    def max_nfts(self) -> int:
        return 1 << self.nft_depth

    @property
    def max_collections(self) -> int:
        return 1 << self.collection_depth

    @property
    def max_amount(self) -> int:
        return (1 << self.amount_bits) - 1

    @property
    def max_nonce(self) -> int:
        return (1 << self.nonce_bits) - 1

    @property
    def max_fee(self) -> int:
        return (1 << self.fee_bits) - 1


DEFAULT_PARAMS = ZkParams()
