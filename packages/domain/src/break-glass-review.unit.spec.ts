import { describe, expect, it } from 'vitest';
import {
  BreakGlassAccessReviewed,
  decideBreakGlassReview,
  evolveBreakGlassReview,
  initialBreakGlassReviewState,
  type BreakGlassReviewEvent,
  type ReviewedAccess,
} from './break-glass-review.js';
import { DomainError } from './decide.js';
import { actors } from './testing/fixtures.js';

/** given(conclusions so far, the access).when(review).then(events) / .thenThrows(code, path). */
function given(history: BreakGlassReviewEvent[], access: ReviewedAccess) {
  const state = history.reduce(evolveBreakGlassReview, initialBreakGlassReviewState);
  return {
    when(data: unknown, actor = actors.auditor, now = NOW) {
      const run = () => decideBreakGlassReview({ data, metadata: { actor, now } }, state, access);
      return {
        then(expected: BreakGlassReviewEvent[]) {
          const events = run();
          expect(events).toEqual(expected);
          // What is decided is what the store reads back.
          for (const e of events) expect(BreakGlassAccessReviewed.parse(e)).toEqual(e);
        },
        thenThrows(code: DomainError['code'], path: readonly (string | number)[]) {
          let error: unknown;
          try {
            run();
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(DomainError);
          expect((error as DomainError).code).toBe(code);
          expect((error as DomainError).path).toEqual(path);
        },
      };
    },
  };
}

const NOW = '2026-03-10T09:00:00.000+01:00';
const ACCESS_ID = '00000000-0000-4000-8000-000000000042';
const flagged: ReviewedAccess = { accessId: ACCESS_ID, flagged: true };
const NOTE = 'Geen spoedsituatie: de patiënt was aanspreekbaar en gaf zelf zijn wensen aan';
const concluded: BreakGlassReviewEvent = {
  type: 'BreakGlassAccessReviewed',
  data: {
    accessId: ACCESS_ID,
    conclusion: 'JUSTIFIED',
    note: 'Reanimatie bij onbekend beleid, terecht',
    reviewedBy: actors.auditor,
    reviewedAt: '2026-03-10T08:00:00.000+01:00',
  },
};

describe('reviewing a flagged access', () => {
  it('records the conclusion with the note, who reviewed and when', () => {
    given([], flagged)
      .when({ accessId: ACCESS_ID, conclusion: 'NOT_JUSTIFIED', note: NOTE })
      .then([
        {
          type: 'BreakGlassAccessReviewed',
          data: {
            accessId: ACCESS_ID,
            conclusion: 'NOT_JUSTIFIED',
            note: NOTE,
            reviewedBy: actors.auditor,
            reviewedAt: NOW,
          },
        },
      ]);
  });

  it('keeps the note by the free-text rules: normalised (NFC) and trimmed', () => {
    given([], flagged)
      .when({ accessId: ACCESS_ID, conclusion: 'JUSTIFIED', note: '  Terecht: patie\u0308nt bewusteloos  ' })
      .then([
        {
          type: 'BreakGlassAccessReviewed',
          data: {
            accessId: ACCESS_ID,
            conclusion: 'JUSTIFIED',
            note: 'Terecht: patiënt bewusteloos',
            reviewedBy: actors.auditor,
            reviewedAt: NOW,
          },
        },
      ]);
  });

  it('refuses a second conclusion: a conclusion is final', () => {
    given([concluded], flagged)
      .when({ accessId: ACCESS_ID, conclusion: 'NOT_JUSTIFIED', note: NOTE })
      .thenThrows('INVALID', ['accessId']);
  });

  it('refuses to review an access that was not flagged', () => {
    given([], { accessId: ACCESS_ID, flagged: false })
      .when({ accessId: ACCESS_ID, conclusion: 'JUSTIFIED', note: NOTE })
      .thenThrows('INVALID', ['accessId']);
  });

  it('refuses a conclusion about another access than the one under review', () => {
    given([], flagged)
      .when({ accessId: '00000000-0000-4000-8000-000000000043', conclusion: 'JUSTIFIED', note: NOTE })
      .thenThrows('INVALID', ['accessId']);
  });

  it.each([
    { why: 'a note without 10 visible characters', note: '\u200b\u200b te kort ', path: ['note'] },
    {
      why: 'a note with a control character',
      note: 'Terecht\u0000 bewusteloos binnengebracht',
      path: ['note'],
    },
    { why: 'a note too long', note: 'x'.repeat(4001), path: ['note'] },
  ])('refuses $why', ({ note, path }) => {
    given([], flagged)
      .when({ accessId: ACCESS_ID, conclusion: 'JUSTIFIED', note })
      .thenThrows('INVALID', path);
  });

  it('refuses a conclusion other than JUSTIFIED or NOT_JUSTIFIED', () => {
    given([], flagged)
      .when({ accessId: ACCESS_ID, conclusion: 'MAYBE', note: NOTE })
      .thenThrows('INVALID', ['conclusion']);
  });

  it('folds the stream: its revision and the conclusion', () => {
    expect(initialBreakGlassReviewState).toEqual({ version: -1, review: undefined });
    expect(evolveBreakGlassReview(initialBreakGlassReviewState, concluded)).toEqual({
      version: 0,
      review: concluded.data,
    });
  });
});
