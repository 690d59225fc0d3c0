"""The devnet's L1: an anvil kept in the data dir (its chain dumped to `l1/anvil.json` every
second and at exit, so a resumed devnet finds its contracts), the rollup contract deployed once
with the circuit's verifying key and the chain's genesis root, and what the node needs to follow
it (`l1/deployment.json`)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from web3 import Web3

from zkbraid.proving.artifacts import CircuitKeys
from zkbraid.settlement.anvil import Anvil
from zkbraid.settlement.l1_contracts import RollupSettings, deploy_rollup

DEPLOYMENT = "deployment.json"


@dataclass(frozen=True)
class Deployment:
    """Where the rollup is on L1 and from which block the node follows it."""

    chain_id: int
    rollup: str
    deployed_height: int
    validators: dict[str, int]


class DevnetL1:
    """anvil in `<data dir>/l1`, with the rollup deployed on it."""

    def __init__(self, data_dir: str, port: int | None = None) -> None:
        self.dir = Path(data_dir) / "l1"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.anvil = Anvil(
            port=port,
            block_time_s=1.0,
            log_path=self.dir / "anvil.log",
            state_path=self.dir / "anvil.json",
            pid_path=self.dir / "anvil.pid",
        )
        self.deployment: Deployment | None = None

    @property
    def url(self) -> str:
        return self.anvil.url

    def start(self) -> None:
        self.anvil.start()
        path = self.dir / DEPLOYMENT
        if path.exists():
            self.deployment = Deployment(**json.loads(path.read_text()))

    def deploy(
        self,
        keys: CircuitKeys,
        genesis_root: int,
        validators: dict[str, int],
        settings: RollupSettings | None = None,
        backing_wei: int = 0,
    ) -> Deployment:
        """Deploys the rollup unless this L1 already has it; returns where it is.

        Raises RuntimeError: the deployment recorded in the data dir is not on this L1 (its
        chain file was lost) — start the devnet over with `--reset`.
        """
        w3 = Web3(Web3.HTTPProvider(self.url))
        if self.deployment is not None:
            if not w3.eth.get_code(Web3.to_checksum_address(self.deployment.rollup)):
                raise RuntimeError(
                    f"the rollup recorded in {self.dir / DEPLOYMENT} is not on this L1 (its chain"
                    " file is gone): start the devnet over with `braid devnet --reset`"
                )
            return self.deployment
        rollup = deploy_rollup(
            w3,
            w3.eth.accounts[0],
            keys.verification_key_json(),
            genesis_root,
            validators,
            settings or RollupSettings(),
        )
        if backing_wei:
            # the devnet's genesis gives its accounts token 0 (L1 ETH) on the ZK chain: the
            # bridge holds that much L1 ETH, so their withdrawals are paid like any other
            w3.provider.make_request("anvil_setBalance", [rollup.address, hex(backing_wei)])  # type: ignore[arg-type]
        self.deployment = Deployment(
            chain_id=w3.eth.chain_id,
            rollup=str(rollup.address),
            deployed_height=w3.eth.block_number,
            validators=validators,
        )
        (self.dir / DEPLOYMENT).write_text(json.dumps(asdict(self.deployment), indent=2))
        return self.deployment

    def stop(self) -> None:
        self.anvil.stop()
