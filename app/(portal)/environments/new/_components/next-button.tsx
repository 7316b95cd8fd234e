import { Button } from "@/components/ui/button";

/** A wizard step's submit button, at the end of its form. */
export function NextButton({ pending, pendingLabel = "Saving…", label = "Next" }: { pending: boolean; pendingLabel?: string; label?: string }) {
  return (
    <div className="flex justify-end">
      <Button type="submit" disabled={pending}>
        {pending ? pendingLabel : label}
      </Button>
    </div>
  );
}
