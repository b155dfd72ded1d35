from exchange.ledger.balances import member_balances
from exchange.operations import postings as service
from tests.ledger.factories import T0, earn, key, member, partner


async def test_earn_then_burn(db: str) -> None:
    shop = await partner()
    alice = await member()
    await earn(alice.id, shop.id, 100)
    hold = await service.redeem_points(alice.id, shop.id, 30, caller="p", idempotency_key=key(),
                                       now_us=T0 + 1)
    assert hold.points_captured == 30
    balances = await member_balances(alice.id)
    assert balances.available == 70
