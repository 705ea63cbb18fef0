"""The broker's dead-letter queue (messages whose retries ran out) and queue depth, for Redis, RabbitMQ and
the stub broker, so operators can see and retry them from the CLI (``sohoa batch failed|retry``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dramatiq.common import dq_name, xq_name
from dramatiq.message import Message

if TYPE_CHECKING:
    from pipeline.actors import Queue


@dataclass(frozen=True, slots=True)
class DeadLetter:
    message_id: str
    batch_id: str
    item_id: int
    retries: int
    error: str


def _letter(m: Message) -> DeadLetter | None:
    if len(m.args) != 2:
        return None
    tb = (m.options.get("traceback") or "").strip().splitlines()
    return DeadLetter(
        m.message_id, str(m.args[0]), int(m.args[1]), int(m.options.get("retries", 0)), tb[-1] if tb else ""
    )


def _kind(q: Queue) -> str:
    return type(q.broker).__name__


def dead_letters(q: Queue, batch_id: str | None = None, *, remove: bool = False) -> list[DeadLetter]:
    """Dead-lettered messages (of one batch); with ``remove`` they are taken off the dead-letter queue."""
    kind = _kind(q)
    name = q.documents_queue
    out: list[DeadLetter] = []
    if kind == "RedisBroker":
        client = q.broker.client
        ns = q.cfg.queue.namespace
        zkey, hkey = f"{ns}:{xq_name(name)}", f"{ns}:{xq_name(name)}.msgs"
        for mid, data in client.hgetall(hkey).items():
            letter = _letter(Message.decode(data))
            if letter is None or (batch_id and letter.batch_id != batch_id):
                continue
            out.append(letter)
            if remove:
                client.zrem(zkey, mid)
                client.hdel(hkey, mid)
        return out
    if kind == "RabbitmqBroker":
        import pika

        conn = pika.BlockingConnection(
            q.broker.parameters[0] if isinstance(q.broker.parameters, list) else q.broker.parameters
        )
        try:
            ch = conn.channel()
            held = []
            while True:
                method, _props, body = ch.basic_get(xq_name(name), auto_ack=False)
                if method is None:
                    break
                held.append((method.delivery_tag, Message.decode(body)))
            for tag, m in held:
                letter = _letter(m)
                mine = letter is not None and (not batch_id or letter.batch_id == batch_id)
                if mine:
                    out.append(letter)  # type: ignore[arg-type]
                if mine and remove:
                    ch.basic_ack(tag)
                else:
                    ch.basic_nack(tag, requeue=True)
        finally:
            conn.close()
        return out
    if kind == "StubBroker":
        dead = q.broker.dead_letters_by_queue.get(name, [])
        keep = []
        for m in list(dead):
            letter = _letter(m)
            if letter is not None and (not batch_id or letter.batch_id == batch_id):
                out.append(letter)
                if remove:
                    continue
            keep.append(m)
        if remove:
            dead[:] = keep
        return out
    return out


def queue_depth(q: Queue) -> dict[str, tuple[int, int, int]]:
    """``{queue: (ready, delayed, dead)}`` for the documents queue."""
    name = q.documents_queue
    kind = _kind(q)
    if kind == "RedisBroker":
        c, ns = q.broker.client, q.cfg.queue.namespace
        return {name: (c.llen(f"{ns}:{name}"), c.llen(f"{ns}:{dq_name(name)}"), c.zcard(f"{ns}:{xq_name(name)}"))}
    if kind == "RabbitmqBroker":
        return {name: q.broker.get_queue_message_counts(name)}
    if kind == "StubBroker":
        b = q.broker
        return {
            name: (b.queues[name].qsize(), b.queues[dq_name(name)].qsize(), len(b.dead_letters_by_queue.get(name, [])))
        }
    return {}
