"""The state the block transition reads and writes: both chains, the ZKPoW ledger, the proving
market, and the heads of the global order and of each chain.

Every part lives in its own namespace of one `KVStore` whose writes are buffered per block;
nothing is durable until the node commits the block. The app hash commits each part once:
`keccak(zk root ‖ fast root ‖ sequencer root)`, the sequencer root being
`keccak(ZKPoW root ‖ market root ‖ bridge root ‖ hybrid root ‖ staking root ‖ attestations
root ‖ validator sets root)` (a proof's
acceptance is recorded in the market's job; observed L1 deposits in the bridge,
settlement/deposits.py; what passes between the two chains in the hybrid, sequencer/hybrid.py;
the validators and their bonds in staking, staking/state.py; the batches' data-availability
attestations in sequencer/attestations.py; the numbered validator sets L1 follows in
sequencer/validator_sets.py).
"""

from __future__ import annotations

from eth_hash.auto import keccak

from zkbraid.fast.chain import FastChain
from zkbraid.ledger.block import BlockHeader, ChainKind, app_hash
from zkbraid.ledger.kv import KVStore
from zkbraid.market.state import Market
from zkbraid.market.zkpow import ZkpowLedger
from zkbraid.sequencer.attestations import Attestations
from zkbraid.sequencer.genesis import Genesis
from zkbraid.sequencer.hybrid import Hybrid
from zkbraid.sequencer.validator_sets import ValidatorSets
from zkbraid.settlement.deposits import Bridge
from zkbraid.staking.state import Staking
from zkbraid.zk.state import ZkState


class SequencerState:
    """Both chains' states, the ZKPoW balances and the market, over one buffered KV store."""

    def __init__(
        self,
        kv: KVStore,
        genesis: Genesis,
        head: BlockHeader | None = None,
        chain_heads: dict[ChainKind, BlockHeader | None] | None = None,
        *,
        create: bool = False,
    ) -> None:
        """The state stored in `kv` after block `head` (None: genesis). With `create`, writes
        the genesis state into an empty `kv` first (buffered, like a block's writes)."""
        params = genesis.params
        self.kv = kv
        self._genesis = genesis
        zk_kv = kv.namespace("zk")
        self.fast = FastChain(kv.namespace("fast"), params.fast)
        self.zkpow = ZkpowLedger(kv.namespace("seq.trie"), kv.namespace("seq"))
        self.market = self._market()
        self.bridge = Bridge(
            params.bridge,
            kv.namespace("bridge.trie"),
            kv.namespace("bridge"),
            kv.namespace("bridge.live"),
        )
        self.hybrid = Hybrid(
            kv.namespace("hybrid.trie"), kv.namespace("hybrid"), kv.namespace("hybrid.live")
        )
        self.staking = Staking(
            params.staking,
            self.zkpow,
            kv.namespace("staking.trie"),
            kv.namespace("staking"),
            kv.namespace("staking.live"),
        )
        self.attestations = Attestations(
            params.l1,
            kv.namespace("attest.trie"),
            kv.namespace("attest"),
            kv.namespace("attest.live"),
        )
        self.validator_sets = ValidatorSets(
            params.l1,
            kv.namespace("valset.trie"),
            kv.namespace("valset"),
            kv.namespace("valset.live"),
        )
        if create:
            self.zk = ZkState.genesis(zk_kv, params.zk, genesis.zk)
            for address, amount in params.zkpow_alloc:
                self.zkpow.credit(address, amount)
            self.staking.genesis(params.genesis_validators)
            self.validator_sets.genesis(self.staking)
        else:
            self.zk = ZkState.load(zk_kv, params.zk)
        self.head = head
        self.chain_heads: dict[ChainKind, BlockHeader | None] = dict(
            chain_heads or dict.fromkeys(ChainKind)
        )

    def _market(self) -> Market:
        kv = self.kv
        return Market(
            self._genesis.params.market,
            self.zkpow,
            kv.namespace("market.trie"),
            kv.namespace("market"),
            kv.namespace("market.live"),
        )

    def reload(
        self, head: BlockHeader | None, chain_heads: dict[ChainKind, BlockHeader | None]
    ) -> None:
        """Drops every write not yet committed and re-reads the state after block `head` (the
        objects stay the same, so readers holding them see the reloaded state)."""
        self.kv.discard()
        self.fast.reload()
        self.zkpow.reload()
        self.market = self._market()
        self.bridge.reload()
        self.hybrid.reload()
        self.staking.reload()
        self.attestations.reload()
        self.validator_sets.reload()
        self.zk = ZkState.load(self.kv.namespace("zk"), self._genesis.params.zk)
        self.head = head
        self.chain_heads = dict(chain_heads)

    @property
    def height(self) -> int:
        """The height of the last block applied (0: genesis)."""
        return 0 if self.head is None else self.head.height

    def zk_root(self) -> bytes:
        return self.zk.root().to_bytes(32, "big")

    def sequencer_root(self) -> bytes:
        """The sequencer's own state: ZKPoW balances, the proving market, the bridge, the
        hybrid, the validators, the attestations, the validator sets."""
        roots = [
            self.zkpow.root,
            self.market.root,
            self.bridge.root,
            self.hybrid.root,
            self.staking.root,
            self.attestations.root,
            self.validator_sets.root,
        ]
        return bytes(keccak(b"".join(roots)))

    def app_hash(self) -> bytes:
        return app_hash(self.zk_root(), self.fast.state_root, self.sequencer_root())

    def advance(self, header: BlockHeader) -> None:
        """Makes `header` the head of the global order and of its chain."""
        self.head = header
        self.chain_heads[header.chain] = header
