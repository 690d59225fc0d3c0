"""Every named rejection of the ZK chain (STYLE.md §2), each under a family of `zkbraid.errors`."""

from zkbraid.errors import (
    InsufficientFunds,
    InvalidSignature,
    MalformedInput,
    NonceError,
    NotFound,
    OutOfRange,
    Unauthorized,
    WrongChainId,
)

# Decoding


class MalformedTransaction(MalformedInput):
    """Bytes that are not a ZK-chain transaction: unknown type, bad RLP, wrong shape or lengths."""


class AmountOutOfRange(OutOfRange):
    """An amount of zero, or above the amount width (U128 by default)."""


class FeeOutOfRange(OutOfRange):
    """A fee above the fee width (U64 by default)."""


class NonceOutOfRange(OutOfRange):
    """A nonce above the nonce width (U64), or an account whose nonce cannot be incremented."""


class IdOutOfRange(OutOfRange):
    """A chain id, account index, NFT id or collection id wider than its encoding (U64)."""


class TokenIdOutOfRange(OutOfRange):
    """A token id with no leaf in the balances tree (>= 2^token_depth)."""


class BalanceOverflow(OutOfRange):
    """A credit that would take a balance above the amount width."""


# Chain, keys and signatures


class WrongZkChainId(WrongChainId):
    """A transaction signed for another chain id."""


class BadEdDSASignature(InvalidSignature):
    """The EdDSA-Poseidon signature does not verify under the sender account's L2 key."""


class BadECDSASignature(InvalidSignature):
    """The Ethereum signature of a key registration is malformed or not by its address."""


class InvalidL2Key(MalformedInput):
    """An EdDSA public key that is off the curve or of small order."""


# Accounts


class AddressAlreadyRegistered(Unauthorized):
    """The Ethereum address already has an account (one account per address)."""


class AccountTreeFull(OutOfRange):
    """Every leaf of the accounts tree is taken."""


class UnknownAccount(NotFound):
    """No account has this index."""


class NonceTooLow(NonceError):
    """The nonce was already used (a replay)."""


class NonceTooHigh(NonceError):
    """The nonce leaves a gap after the account's next nonce."""


class InsufficientBalance(InsufficientFunds):
    """The sender's balance of the token is below the amount."""


class NotBridgeToken(OutOfRange):
    """A deposit or withdrawal of a token other than the bridge's (token 0, L1 ETH)."""


class DepositRecipientMismatch(Unauthorized):
    """A deposit whose account `to` is not bound to the Ethereum address the L1 depositor named.

    Also the answer for a recipient address with no ZK account at all: such a deposit cannot be
    credited (it stays pending on the node until the address registers or its L1 deadline
    passes and it is refunded on L1, circuits/README.md).
    """


class SelfTransfer(MalformedInput):
    """A transfer (of tokens or of an NFT) whose sender is its recipient.

    Refused rather than treated as a no-op: it could only bump a nonce, and refusing it keeps the
    circuits' two leaf updates on two distinct leaves.
    """


# NFTs and collections


class UnknownCollection(NotFound):
    """No collection has this id."""


class NotCollectionMinter(Unauthorized):
    """The sender's Ethereum address is not the collection's minter."""


class UnknownNft(NotFound):
    """No NFT has this id."""


class NotNftOwner(Unauthorized):
    """The sender does not own the NFT."""


class NftTreeFull(OutOfRange):
    """Every leaf of the NFTs tree is taken."""


# The hybrid (docs/hybrid.md)


class NotMovableToken(OutOfRange):
    """A move between the chains of a token other than 0 (the fast chain's native coin)."""


class EscrowInsufficient(InsufficientFunds):
    """A MoveFromFast for more than the fast-chain escrow holds of its token: whatever the fast
    chain claims, the ZK chain pays out at most what was moved onto it."""


class CollectionExists(Unauthorized):
    """A CreateCollection for a collection id that is taken."""


class NotGameCollection(Unauthorized):
    """A GameMint into an ordinary collection (cap 0), or an NftMint into a game collection."""


class NotCollectionGame(Unauthorized):
    """A GameMint reported by a contract that is not the collection's minter."""


class RoundClosed(OutOfRange):
    """A GameMint for a round before the collection's current round."""


class RoundCapReached(OutOfRange):
    """A GameMint beyond the collection's mint cap for its round."""


class NftNotListed(NotFound):
    """An NftBuy or NftCancel of an NFT that is not listed (never, or no longer)."""


class ListingExpired(OutOfRange):
    """An NftBuy after the listing's expiry (the ZK block's time is later), or an NftList whose
    expiry has passed."""


class PriceMismatch(InsufficientFunds):
    """An NftBuy whose token or price is not exactly the listing's (underpaying, or a listing
    changed since the buyer signed)."""


class BuyOwnNft(MalformedInput):
    """An NftBuy by the NFT's owner."""


# State storage


class StateNotInitialized(NotFound):
    """`ZkState.load` found no ZK state in the store (run genesis first)."""


class StateAlreadyInitialized(MalformedInput):
    """`ZkState.genesis` found a ZK state already in the store."""


class ParamsMismatch(MalformedInput):
    """The stored state was made with other chain parameters."""


class InvalidGenesis(MalformedInput):
    """A genesis with duplicate addresses, invalid keys or values out of range."""
