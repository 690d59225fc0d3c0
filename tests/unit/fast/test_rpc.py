"""EthApi: an unmodified web3.py (default middleware) deploys and calls a contract through it, and
the JSON shapes and errors of each method."""

from __future__ import annotations

import json
from typing import Any

import pytest
from eth_abi.abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_hash.auto import keccak
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError
from web3.providers.base import BaseProvider
from web3.types import RPCEndpoint, RPCResponse

from zkbraid.errors import BraidError, MalformedInput
from zkbraid.fast.chain import FastChain, FastTx
from zkbraid.fast.errors import BlockNotFound, CallFailed, LogQueryTooLarge
from zkbraid.fast.rpc import EthApi, RpcLimits
from zkbraid.ledger.kv import KVStore

from .game import GAME_ABI, GAME_BYTECODE
from .helpers import ALICE, BOB, CAROL, CHAIN_ID, ETHER, GWEI, addr, new_chain, sign, transfer


class Node:
    """The smallest node: admits with check_transaction, mines on demand (or at once)."""

    def __init__(self, store: KVStore, chain: FastChain, automine: bool = True) -> None:
        self.store = store
        self.chain = chain
        self.automine = automine
        self.pending: list[FastTx] = []
        self.nonces: dict[bytes, int] = {}
        self.time = 1_700_000_000
        self.api = EthApi(chain, submit=self.submit, pending_nonce=self.nonces.get)

    def submit(self, raw: bytes) -> bytes:
        ftx = self.chain.decode_transaction(raw)
        ftx = self.chain.check_transaction(raw, pending_nonce=self.nonces.get(ftx.sender))
        self.nonces[ftx.sender] = ftx.nonce + 1
        self.pending.append(ftx)
        if self.automine:
            self.mine()
        return ftx.hash

    def mine(self) -> None:
        self.chain.execute_block(self.pending, self.time)
        self.store.write_buffer()
        self.pending = []
        self.nonces.clear()


def error_object(e: BraidError) -> dict[str, Any]:
    """What the node's API layer answers for a named error (see zkbraid.api.jsonrpc)."""
    data = getattr(e, "rpc_data", None)
    return {"code": e.code, "message": str(e), "data": data or {"error": e.name}}


class EthApiProvider(BaseProvider):
    """A web3.py provider that calls EthApi in-process, through a JSON round trip."""

    def __init__(self, api: EthApi) -> None:
        super().__init__()
        self._methods = api.methods()

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        handler = self._methods.get(method)
        response: dict[str, Any] = {"jsonrpc": "2.0", "id": 1}
        if handler is None:
            response["error"] = {"code": -32601, "message": f"method {method} not found"}
        else:
            try:
                response["result"] = handler(json.loads(json.dumps(list(params))))
            except BraidError as e:
                response["error"] = error_object(e)
        return json.loads(json.dumps(response))  # type: ignore[no-any-return]

    def is_connected(self, show_traceback: bool = False) -> bool:
        return True


@pytest.fixture
def node() -> Node:
    store, chain = new_chain()
    return Node(store, chain)


def send(w3: Web3, account: LocalAccount, tx: dict[str, Any]) -> Any:
    signed = account.sign_transaction(tx)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=2, poll_latency=0.01)


def test_web3_deploys_and_calls_a_contract(node: Node) -> None:
    w3 = Web3(EthApiProvider(node.api))
    assert w3.eth.chain_id == CHAIN_ID
    assert w3.is_connected()
    game_factory = w3.eth.contract(abi=GAME_ABI, bytecode=GAME_BYTECODE)
    deploy = game_factory.constructor(7).build_transaction(
        {"from": ALICE.address, "nonce": w3.eth.get_transaction_count(ALICE.address)}
    )
    assert deploy["chainId"] == CHAIN_ID and deploy["maxFeePerGas"] >= GWEI
    receipt = send(w3, ALICE, deploy)
    assert receipt["status"] == 1
    address = receipt["contractAddress"]
    assert address == Web3.to_checksum_address(
        keccak(bytes.fromhex("d694") + addr(ALICE) + b"\x80")[12:]
    )
    game = w3.eth.contract(address=address, abi=GAME_ABI)
    assert game.functions.total().call() == 7

    play = game.functions.score(5).build_transaction(
        {"from": BOB.address, "nonce": w3.eth.get_transaction_count(BOB.address, "pending")}
    )
    receipt = send(w3, BOB, play)
    assert receipt["status"] == 1
    (event,) = game.events.Scored().process_receipt(receipt)
    assert (event["args"]["player"], event["args"]["points"], event["args"]["total"]) == (
        BOB.address,
        5,
        12,
    )
    assert game.functions.total().call() == 12
    assert game.functions.scores(BOB.address).call() == 5
    assert game.functions.echo(b"\x01" * 70).call() == b"\x01" * 70

    with pytest.raises(ContractLogicError, match="no points"):
        game.functions.score(0).call({"from": BOB.address})
    with pytest.raises(ContractCustomError) as custom:
        game.functions.score(2000).call({"from": BOB.address})
    assert (
        custom.value.data
        == "0x" + (keccak(b"TooMany(uint256)")[:4] + abi_encode(["uint256"], [2000])).hex()
    )
    with pytest.raises(ContractLogicError, match="no points"):
        game.functions.score(0).estimate_gas({"from": BOB.address})

    logs = game.events.Scored().get_logs(from_block=0)
    assert [log["args"]["points"] for log in logs] == [5]
    assert logs[0]["transactionHash"] == receipt["transactionHash"]

    # A legacy transaction with web3's gas price.
    legacy = {
        "to": CAROL.address,
        "value": 10,
        "gas": 21_000,
        "gasPrice": w3.eth.gas_price,
        "nonce": w3.eth.get_transaction_count(ALICE.address),
        "chainId": CHAIN_ID,
    }
    assert send(w3, ALICE, legacy)["status"] == 1

    block = w3.eth.get_block("latest", full_transactions=True)
    assert block["number"] == 3 and len(block["transactions"]) == 1
    assert block["transactions"][0]["to"] == CAROL.address  # type: ignore[call-overload,index]
    assert w3.eth.get_balance(CAROL.address) == 5 * ETHER + 10
    assert w3.eth.get_code(address) == w3.eth.get_code(address, "latest") != b""
    assert w3.eth.get_storage_at(address, 0) == (12).to_bytes(32, "big")
    history = w3.eth.fee_history(3, "latest", [10, 90])
    assert len(history["baseFeePerGas"]) == 4 and len(history["reward"]) == 3
    assert w3.eth.get_transaction(receipt["transactionHash"])["from"] == BOB.address


def test_receipt_is_null_until_included(node: Node) -> None:
    node.automine = False
    methods = node.api.methods()
    raw = transfer(ALICE, addr(BOB), 1, 0)
    tx_hash = methods["eth_sendRawTransaction"](["0x" + raw.hex()])
    assert tx_hash == "0x" + keccak(raw).hex()
    assert methods["eth_getTransactionReceipt"]([tx_hash]) is None
    assert methods["eth_getTransactionByHash"]([tx_hash]) is None
    assert methods["eth_getTransactionCount"](["0x" + addr(ALICE).hex(), "pending"]) == "0x1"
    assert methods["eth_getTransactionCount"](["0x" + addr(ALICE).hex(), "latest"]) == "0x0"
    node.mine()
    receipt = methods["eth_getTransactionReceipt"]([tx_hash])
    assert receipt["status"] == "0x1"
    assert receipt["gasUsed"] == hex(21_000)
    assert receipt["blockNumber"] == "0x1"
    assert receipt["effectiveGasPrice"] == hex(GWEI + GWEI // 10)
    assert receipt["contractAddress"] is None
    assert receipt["logs"] == []
    assert receipt["type"] == "0x2"


def test_block_json_shape(node: Node) -> None:
    methods = node.api.methods()
    node.submit(transfer(ALICE, addr(BOB), 1, 0))
    block = methods["eth_getBlockByNumber"](["latest", False])
    header = node.chain.head_header
    assert block["hash"] == "0x" + header.hash.hex()
    assert block["number"] == "0x1"
    assert block["stateRoot"] == "0x" + header.state_root.hex()
    assert block["baseFeePerGas"] == hex(GWEI)
    assert block["transactions"] == ["0x" + keccak(transfer(ALICE, addr(BOB), 1, 0)).hex()]
    assert len(block["logsBloom"]) == 2 + 512
    assert block["withdrawals"] == [] and block["uncles"] == []
    for tag in ("pending", "safe", "finalized", "0x1"):
        assert methods["eth_getBlockByNumber"]([tag, False]) == block
    assert methods["eth_getBlockByHash"]([block["hash"], False]) == block
    assert methods["eth_getBlockByNumber"](["earliest", False])["number"] == "0x0"
    assert methods["eth_getBlockByNumber"](["0x5", False]) is None
    assert methods["eth_getBlockByHash"](["0x" + "00" * 32, True]) is None
    assert methods["eth_getBlockTransactionCountByNumber"](["latest"]) == "0x1"
    assert methods["eth_blockNumber"]([]) == "0x1"
    assert methods["net_version"]([]) == str(CHAIN_ID)
    assert methods["eth_syncing"]([]) is False
    assert methods["eth_accounts"]([]) == []
    assert methods["eth_gasPrice"]([]) == hex(GWEI)
    # State at an earlier block: the genesis balance.
    bob = "0x" + addr(BOB).hex()
    assert methods["eth_getBalance"]([bob, "earliest"]) == hex(100 * ETHER)
    assert methods["eth_getBalance"]([bob, "latest"]) == hex(100 * ETHER + 1)
    assert methods["eth_getBalance"]([bob, {"blockNumber": "0x0"}]) == hex(100 * ETHER)


def test_get_logs_filters(node: Node) -> None:
    methods = node.api.methods()
    deploy = sign(ALICE, nonce=0, gas=400_000, data=GAME_BYTECODE + abi_encode(["uint256"], [0]))
    node.submit(deploy)
    game = keccak(bytes.fromhex("d694") + addr(ALICE) + b"\x80")[12:]
    score = keccak(b"score(uint256)")[:4]
    for n, (who, points) in enumerate([(BOB, 1), (CAROL, 2), (BOB, 3)]):
        nonce = 0 if who is CAROL or n == 0 else 1
        node.submit(
            sign(
                who,
                nonce=nonce,
                to=game,
                gas=100_000,
                data=score + abi_encode(["uint256"], [points]),
            )
        )
    topic = "0x" + keccak(b"Scored(address,uint256,uint256)").hex()
    bob_topic = "0x" + addr(BOB).rjust(32, b"\x00").hex()
    game_hex = "0x" + game.hex()

    def logs(query: dict[str, Any]) -> list[dict[str, Any]]:
        return methods["eth_getLogs"]([query])  # type: ignore[no-any-return]

    everything = logs({"fromBlock": "earliest"})
    assert len(everything) == 3
    assert [log["blockNumber"] for log in everything] == ["0x2", "0x3", "0x4"]
    assert all(log["logIndex"] == "0x0" and log["removed"] is False for log in everything)
    assert len(logs({"fromBlock": "0x0", "address": game_hex, "topics": [topic]})) == 3
    assert len(logs({"fromBlock": "0x0", "address": [game_hex], "topics": [None, bob_topic]})) == 2
    assert len(logs({"fromBlock": "0x0", "topics": [[topic], [bob_topic, None]]})) == 3
    assert logs({"fromBlock": "0x0", "address": "0x" + "11" * 20}) == []
    assert logs({"fromBlock": "0x0", "topics": ["0x" + "22" * 32]}) == []
    assert len(logs({"fromBlock": "0x3", "toBlock": "0x3"})) == 1
    assert len(logs({"blockHash": everything[2]["blockHash"]})) == 1
    with pytest.raises(BlockNotFound):
        logs({"blockHash": "0x" + "33" * 32})
    receipts = methods["eth_getBlockReceipts"](["0x4"])
    assert receipts[0]["logs"] == everything[2:]


def test_log_range_bound() -> None:
    _, chain = new_chain()
    for t in range(5):
        chain.execute_block([], t)
    limits = RpcLimits(max_log_block_range=3)
    api = EthApi(chain, submit=lambda raw: b"", pending_nonce=lambda a: None, limits=limits)
    assert api.eth_getLogs([{"fromBlock": "0x1", "toBlock": "0x3"}]) == []
    with pytest.raises(LogQueryTooLarge, match="more than 3 blocks"):
        api.eth_getLogs([{"fromBlock": "0x0", "toBlock": "latest"}])


def test_rpc_limits_bound_calls_logs_and_fee_suggestions() -> None:
    _, chain = new_chain()
    for t in range(3):
        chain.execute_block([], t)
    limits = RpcLimits(rpc_gas_cap=21_000, max_fee_history_blocks=2, suggested_priority_fee=7)
    api = EthApi(chain, submit=lambda raw: b"", pending_nonce=lambda a: None, limits=limits)
    assert api.eth_maxPriorityFeePerGas([]) == "0x7"
    assert api.eth_gasPrice([]) == hex(chain.next_base_fee + 7)
    assert api.eth_feeHistory(["0x10", "latest"])["oldestBlock"] == "0x2"
    transfer_call = {"from": "0x" + addr(ALICE).hex(), "to": "0x" + addr(BOB).hex(), "value": "0x1"}
    assert api.eth_estimateGas([transfer_call]) == hex(21_000)
    with pytest.raises(CallFailed, match="gas"):  # 21,016 needed, the cap gives 21,000
        api.eth_call([{**transfer_call, "data": "0x01"}])


def test_invalid_rpc_limits() -> None:
    with pytest.raises(ValueError, match="rpc_gas_cap must be positive"):
        RpcLimits(rpc_gas_cap=0)
    with pytest.raises(ValueError, match="suggested_priority_fee"):
        RpcLimits(suggested_priority_fee=-1)


@pytest.mark.parametrize(
    ("method", "params", "fragment"),
    [
        ("eth_getBalance", [], "missing parameter 0: address"),
        ("eth_getBalance", ["0x1234", "latest"], "address must be 20 bytes"),
        ("eth_getBalance", ["xyz"], "0x-prefixed"),
        ("eth_getBalance", ["0x" + "11" * 20, "0xzz"], "not a hex quantity"),
        ("eth_getBlockByNumber", ["0x1", "yes"], "true or false"),
        ("eth_getBlockByHash", ["0x00", False], "32 bytes"),
        ("eth_getStorageAt", ["0x" + "11" * 20], "missing parameter 1: slot"),
        ("eth_call", ["not an object"], "transaction object"),
        ("eth_call", [{"data": "0x01", "input": "0x02"}], "differ"),
        ("eth_call", [{"gasPrice": "0x1", "maxFeePerGas": "0x1"}], "gasPrice cannot"),
        ("eth_call", [{"to": "0x" + "11" * 20}, "latest", {}], "state overrides"),
        ("eth_sendRawTransaction", ["0xgg"], "not valid hex"),
        ("eth_getLogs", [{"fromBlock": "0x5", "toBlock": "0x1"}], "is after toBlock"),
        ("eth_getLogs", [{"topics": [1, 2, 3, 4, 5]}], "at most 4"),
        ("eth_getLogs", [{"blockHash": "0x" + "00" * 32, "fromBlock": "0x0"}], "cannot be given"),
        ("eth_feeHistory", ["0x0", "latest"], "at least 1"),
        ("eth_feeHistory", ["0x2", "latest", [50, 10]], "ascending"),
        ("eth_getTransactionReceipt", [None], "missing parameter 0"),
    ],
)
def test_invalid_params(node: Node, method: str, params: list[Any], fragment: str) -> None:
    with pytest.raises(MalformedInput, match=fragment):
        node.api.methods()[method](params)


def test_state_at_unknown_block(node: Node) -> None:
    with pytest.raises(BlockNotFound, match="header not found"):
        node.api.eth_getBalance(["0x" + "11" * 20, "0x9"])


def test_send_raw_transaction_errors_pass_through(node: Node) -> None:
    from zkbraid.fast.errors import NonceTooHigh

    with pytest.raises(NonceTooHigh):
        node.api.eth_sendRawTransaction(["0x" + transfer(ALICE, addr(BOB), 1, 7).hex()])


def test_block_size_is_the_block_rlp_length(node: Node) -> None:
    import rlp
    from eth.vm.forks.prague.blocks import PragueBlock

    node.automine = False
    node.submit(transfer(ALICE, addr(BOB), 1, 0, gasPrice=GWEI))
    node.submit(transfer(BOB, addr(ALICE), 1, 0))
    node.mine()
    record = node.chain.block_by_number(1)
    assert record is not None
    builder = node.chain.vm_class.get_transaction_builder()
    txs = [builder.decode(raw) for raw in record.raw_transactions]
    block = PragueBlock(record.header, txs, [], [])
    expected = len(rlp.encode(block))
    block_json = node.api.eth_getBlockByNumber(["0x1", False])
    assert block_json is not None and block_json["size"] == hex(expected)


def test_transactions_by_index_fee_history_and_misc(node: Node) -> None:
    methods = node.api.methods()
    node.automine = False
    legacy = transfer(ALICE, addr(BOB), 1, 0, gasPrice=3 * GWEI)
    dynamic = transfer(BOB, addr(ALICE), 1, 0, maxFeePerGas=5 * GWEI, maxPriorityFeePerGas=GWEI)
    node.submit(legacy)
    node.submit(dynamic)
    node.mine()
    first = methods["eth_getTransactionByBlockNumberAndIndex"](["0x1", "0x0"])
    assert first["hash"] == "0x" + keccak(legacy).hex()
    assert first["type"] == "0x0" and first["gasPrice"] == hex(3 * GWEI)
    assert first["v"] in (hex(2 * CHAIN_ID + 35), hex(2 * CHAIN_ID + 36))
    second = methods["eth_getTransactionByBlockHashAndIndex"](
        ["0x" + node.chain.head_header.hash.hex(), "0x1"]
    )
    assert second["type"] == "0x2" and second["gasPrice"] == hex(2 * GWEI)
    assert second["maxPriorityFeePerGas"] == hex(GWEI) and second["accessList"] == []
    assert methods["eth_getTransactionByBlockNumberAndIndex"](["0x1", "0x2"]) is None
    history = methods["eth_feeHistory"](["0x2", "latest", [0, 50, 100]])
    assert history["oldestBlock"] == "0x0"
    assert history["reward"][0] == ["0x0", "0x0", "0x0"]  # genesis: no transactions
    assert history["reward"][1] == [hex(GWEI), hex(GWEI), hex(2 * GWEI)]  # as geth
    assert history["gasUsedRatio"][1] == 42_000 / 30_000_000
    assert methods["eth_getUncleCountByBlockNumber"](["0x1"]) == "0x0"
    assert methods["web3_sha3"](["0x"]) == "0x" + keccak(b"").hex()
    assert methods["eth_maxPriorityFeePerGas"]([]) == "0x0"
    assert methods["web3_clientVersion"]([]).startswith("zkbraid/")
