"""Sign-in, token rotation, logout and API keys."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from pwdlib import PasswordHash
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from config import Settings
from domain.errors import AuthenticationFailed, TooManyAttempts
from repositories import identity as identity_repo
from repositories.db import unit_of_work
from services.rate_limit import RateLimiter

_hasher = PasswordHash.recommended()
_DUMMY_HASH = _hasher.hash("not-a-real-password")
BAD_CREDENTIALS = "Incorrect username or password"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _hasher.verify(password, password_hash)


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


class TokenCodec:
    """Short-lived signed access tokens (HS256)."""

    def __init__(self, secret: str, minutes: int) -> None:
        self._secret = secret
        self.lifetime = timedelta(minutes=minutes)
        # verified tokens → (user id, expiry): a client sends the same token for minutes, and
        # checking the signature each time costs more than the rest of authentication
        self._verified: dict[str, tuple[uuid.UUID, float]] = {}

    def issue(self, user_id: uuid.UUID) -> str:
        now = datetime.now(UTC)
        claims = {"sub": str(user_id), "iat": now, "exp": now + self.lifetime, "typ": "access"}
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def user_id(self, token: str) -> uuid.UUID | None:
        cached = self._verified.get(token)
        if cached is not None:
            if cached[1] > time.time():
                return cached[0]
            del self._verified[token]
        user_id = self._decode(token)
        if user_id is not None:
            if len(self._verified) >= 50_000:
                self._verified.clear()
            self._verified[token] = (user_id, self._expiry(token))
        return user_id

    def _expiry(self, token: str) -> float:
        claims = jwt.decode(token, options={"verify_signature": False})
        return float(claims["exp"])

    def _decode(self, token: str) -> uuid.UUID | None:
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=["HS256"], options={"require": ["exp", "sub"]}
            )
        except jwt.PyJWTError:
            return None
        if claims.get("typ") != "access":
            return None
        try:
            return uuid.UUID(claims["sub"])
        except ValueError:
            return None


class LoginGuard:
    """Rate limits per (username, ip) and per ip with `limits` on Redis, then a temporary lock
    of the username after repeated failures. Unknown usernames are counted and locked the same
    way, so the answers never reveal whether an account exists."""

    def __init__(self, settings: Settings, redis: Redis) -> None:
        self._redis = redis
        self._settings = settings
        self._limiter = RateLimiter(settings.redis_url)

    @staticmethod
    def _lock_key(username: str) -> str:
        return f"crm:login:lock:{username.lower()}"

    @staticmethod
    def _fail_key(username: str) -> str:
        return f"crm:login:fail:{username.lower()}"

    async def check(self, username: str, ip: str) -> None:
        ttl = await self._redis.ttl(self._lock_key(username))
        if ttl and ttl > 0:
            raise TooManyAttempts(ttl)
        per_ip = self._settings.login_attempts_per_ip_per_minute
        per_user_ip = self._settings.login_attempts_per_minute
        for limit, keys in ((per_ip, ("login-ip", ip)), (per_user_ip, ("login", username.lower(), ip))):
            retry_after = await self._limiter.hit(limit, *keys)
            if retry_after is not None:
                raise TooManyAttempts(retry_after)

    async def failed(self, username: str) -> None:
        key = self._fail_key(username)
        lock_seconds = self._settings.login_lock_minutes * 60
        count = await self._redis.incr(key)
        await self._redis.expire(key, lock_seconds)
        if count >= self._settings.login_lock_after_failures:
            await self._redis.set(self._lock_key(username), "1", ex=lock_seconds)
            await self._redis.delete(key)

    async def succeeded(self, username: str) -> None:
        await self._redis.delete(self._fail_key(username))

    async def unlock(self, username: str) -> None:
        await self._redis.delete(self._fail_key(username), self._lock_key(username))


class AuthService:
    def __init__(
        self,
        session: AsyncSession,
        sessions: async_sessionmaker[AsyncSession],
        codec: TokenCodec,
        guard: LoginGuard,
        settings: Settings,
    ) -> None:
        self.session = session
        self.sessions = sessions
        self.codec = codec
        self.guard = guard
        self.refresh_lifetime = timedelta(days=settings.refresh_token_days)

    async def login(self, username: str, password: str, ip: str) -> TokenPair:
        username = username.strip()
        await self.guard.check(username, ip)
        user = await identity_repo.user_for_login(self.session, username)
        if user is None:
            verify_password(password, _DUMMY_HASH)  # same cost as a real check
            await self.guard.failed(username)
            raise AuthenticationFailed(BAD_CREDENTIALS)
        if not verify_password(password, user.password_hash) or not user.is_active:
            await self.guard.failed(username)
            raise AuthenticationFailed(BAD_CREDENTIALS)
        await self.guard.succeeded(username)
        return await self._issue(user.id, family_id=uuid.uuid4())

    async def refresh(self, refresh_token: str) -> TokenPair:
        now = datetime.now(UTC)
        token = await identity_repo.refresh_token_for_update(self.session, sha256(refresh_token))
        if token is None or token.revoked_at is not None or token.expires_at <= now:
            raise AuthenticationFailed("Refresh token is invalid or expired")
        if token.rotated_at is not None:
            # A rotated token came back: someone kept a copy. End the whole login everywhere,
            # in its own transaction so the revocation stands although this request fails
            # (this request's row lock is released first).
            family_id = token.family_id
            await self.session.rollback()
            async with unit_of_work(self.sessions) as other:
                await identity_repo.revoke_family(other, family_id, now)
            raise AuthenticationFailed("Refresh token was already used; please sign in again")
        user = await identity_repo.active_user(self.session, token.user_id)
        if user is None:
            raise AuthenticationFailed("Refresh token is invalid or expired")
        token.rotated_at = now
        return await self._issue(token.user_id, family_id=token.family_id)

    async def logout(self, refresh_token: str) -> None:
        token = await identity_repo.refresh_token_for_update(self.session, sha256(refresh_token))
        if token is not None:
            await identity_repo.revoke_family(self.session, token.family_id, datetime.now(UTC))

    async def _issue(self, user_id: uuid.UUID, family_id: uuid.UUID) -> TokenPair:
        raw = secrets.token_urlsafe(32)
        await identity_repo.add_refresh_token(
            self.session, user_id, family_id, sha256(raw), datetime.now(UTC) + self.refresh_lifetime
        )
        return TokenPair(self.codec.issue(user_id), raw, int(self.codec.lifetime.total_seconds()))


def new_api_key() -> tuple[str, str, str]:
    """(the key shown once, its prefix for display, its hash for storage)."""
    raw = "crm_" + secrets.token_urlsafe(32)
    return raw, raw[:10], sha256(raw)


async def note_api_key_use(
    redis: Redis, sessions: async_sessionmaker[AsyncSession], key_id: uuid.UUID, every_seconds: int = 60
) -> None:
    """Record `last_used_at` at most once a minute per key (a Redis flag throttles the write),
    in a transaction of its own so it stands whatever the request does."""
    if await redis.set(f"crm:apikey:seen:{key_id}", "1", nx=True, ex=every_seconds):
        async with unit_of_work(sessions) as session:
            await identity_repo.touch_api_key(session, key_id, datetime.now(UTC))
