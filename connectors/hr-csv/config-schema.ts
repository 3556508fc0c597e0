import { z } from 'zod';
import { DATE_FORMATS } from './roster-dates.ts';
import { isTimeZone } from '../../src/core/zoned-time.ts';

export const HR_CSV_STREAM_IDS = ['roster'] as const;

const column = z.string().trim().min(1, 'a column name from the header row');
const values = z.array(z.string().trim().min(1)).min(1);

/**
 * Header names of the roster's columns, matched case-insensitively and ignoring surrounding
 * spaces. The defaults are the minimal roster (`employee_id, work_email, status, hire_date,
 * termination_date, manager_email`). A column set to `null` is not in this roster. Every named
 * column must be in the header, except `displayName` and `managerEmail`, which are used when present.
 */
const columns = z
  .object({
    /** @default 'employee_id' */
    employeeId: column.nullable().default('employee_id'),
    /** @default 'work_email' */
    email: column.nullable().default('work_email'),
    /** @default 'status' */
    status: column.default('status'),
    /** @default 'hire_date' */
    hireDate: column.nullable().default('hire_date'),
    /** @default 'termination_date' */
    terminationDate: column.default('termination_date'),
    /** Read nowhere yet: the person model has no manager. @default 'manager_email' */
    managerEmail: column.nullable().default('manager_email'),
    /** Used when the header has it; otherwise the e-mail or employee id names the person. @default 'display_name' */
    displayName: column.nullable().default('display_name'),
  })
  .strict()
  .refine((c) => c.employeeId !== null || c.email !== null, { error: 'employeeId and email cannot both be null: a person needs an employee id or an e-mail' });

/**
 * Which status cell values mean what, compared case-insensitively. Any other value makes the row
 * `invalid` (never guessed).
 */
const statusValues = z
  .object({
    /** @default ['active', 'employed'] */
    active: values.default(['active', 'employed']),
    /** @default ['terminated', 'left', 'inactive'] */
    terminated: values.default(['terminated', 'left', 'inactive']),
    /** People hired with a start date still to come. @default ['future', 'onboarding', 'pre-hire'] */
    future: values.default(['future', 'onboarding', 'pre-hire']),
    /** Values that are known to say nothing about employment. @default [] */
    unknown: z.array(z.string().trim().min(1)).default([]),
  })
  .strict()
  .refine(
    (s) => {
      const all = [...s.active, ...s.terminated, ...s.future, ...s.unknown].map((v) => v.toLowerCase());
      return new Set(all).size === all.length;
    },
    { error: 'a status value appears in more than one list (compared case-insensitively)' },
  );

export const hrCsvConfigSchema = z
  .object({
    /** Path of the roster CSV. A relative path resolves against the working directory; prefer an absolute one. */
    file: z.string().trim().min(1, 'the path of the roster CSV file'),
    columns: columns.prefault({}),
    statusValues: statusValues.prefault({}),
    /**
     * IANA zone the roster's dates are in. A date-only termination date is the last working day:
     * the person left at 00:00 of the next day in this zone (see roster-dates.ts).
     * @default 'UTC'
     */
    timezone: z.string().default('UTC').refine(isTimeZone, { error: 'an IANA time zone such as UTC, Europe/London or America/New_York' }),
    /** How date-only cells are written besides ISO `YYYY-MM-DD` (always accepted). @default 'YYYY-MM-DD' */
    dateFormat: z.enum(DATE_FORMATS).default('YYYY-MM-DD'),
    /** `auto` picks `,` or `;` from the header row. @default 'auto' */
    delimiter: z.enum(['auto', ',', ';', '\t']).default('auto'),
    /** Only UTF-8 is read (a BOM is allowed); export the roster as "CSV UTF-8". @default 'utf-8' */
    encoding: z.literal('utf-8').default('utf-8'),
    /** A larger file is refused rather than half-read. @default 52_428_800 (50 MiB) */
    maxFileBytes: z.number().int().positive().default(50 * 1024 * 1024),
  })
  .strict();
export type HrCsvConfig = z.infer<typeof hrCsvConfigSchema>;

/** Fields longer than this reject their row: no roster cell is that long, a broken export can be. */
export const MAX_FIELD_CHARS = 10_000;
